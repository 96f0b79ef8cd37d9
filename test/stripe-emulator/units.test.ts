import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { prorate, prorationFor } from '../../server/stripe-emulator/billing/proration';
import { periodBoundary } from '../../server/stripe-emulator/billing/time';
import { decodeForm } from '../../server/stripe-emulator/http/form';
import { startStripeEmulator } from '../../server/stripe-emulator';
import { startHarness } from './support';

test('form decoding handles nested objects, indexed and appended arrays', () => {
  expect(decodeForm('a[b][0][c]=1&a[b][1][c]=2&x[]=p&x[]=q&m[k]=&s=a+b%26c')).toEqual({
    a: { b: [{ c: '1' }, { c: '2' }] },
    x: ['p', 'q'],
    m: { k: '' },
    s: 'a b&c',
  });
});

test('proration rounds each line half away from zero in exact integer arithmetic', () => {
  expect(prorate(1000, 1, 3)).toBe(333);
  expect(prorate(1000, 2, 3)).toBe(667);
  expect(prorate(1, 1, 2)).toBe(1);
  expect(prorate(-1000, 2, 3)).toBe(-667);
  expect(prorate(99_999_999, 2_678_399, 2_678_400)).toBe(99_999_962);
  expect(
    prorationFor({ periodStart: 0, periodEnd: 100, prorationDate: 25, oldAmount: 1000, newAmount: 3000 }),
  ).toEqual({ credit: -750, charge: 2250 });
  expect(
    prorationFor({ periodStart: 0, periodEnd: 100, prorationDate: 150, oldAmount: 1000, newAmount: 3000 }),
  ).toEqual({ credit: 0, charge: 0 });
});

test('monthly periods are anchored and clamped to the end of shorter months', () => {
  const jan31 = Date.UTC(2031, 0, 31, 9) / 1000;
  expect(new Date(periodBoundary(jan31, 'month', 1, 1) * 1000).toISOString()).toBe(
    '2031-02-28T09:00:00.000Z',
  );
  expect(new Date(periodBoundary(jan31, 'month', 1, 2) * 1000).toISOString()).toBe(
    '2031-03-31T09:00:00.000Z',
  );
  expect(new Date(periodBoundary(jan31, 'year', 1, 1) * 1000).toISOString()).toBe('2032-01-31T09:00:00.000Z');
});

test('state survives a restart when a state file is configured', async () => {
  const stateFile = join(await mkdtemp(join(tmpdir(), 'stripe-emulator-')), 'state.json');
  const first = await startStripeEmulator({ stateFile, realTimeTickMs: 0 });
  const customer = await new Stripe('sk_test_a', first.sdkOptions()).customers.create({
    email: 'kept@example.com',
  });
  await first.stop();
  expect(JSON.parse(await readFile(stateFile, 'utf8')).objects.customer[0].id).toBe(customer.id);
  const second = await startStripeEmulator({ stateFile, realTimeTickMs: 0 });
  try {
    const stripe = new Stripe('sk_test_b', second.sdkOptions());
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).email).toBe(
      'kept@example.com',
    );
  } finally {
    await second.stop();
  }
});

test('the real-time ticker processes due work and does not keep the process alive', async () => {
  // This one is about wall-clock time itself; it waits for the emulator to say it is done, not in a loop.
  const { stripe, webhooks, stop } = await startHarness({ realTimeTickMs: 20 });
  try {
    const customer = await stripe.customers.create({ payment_method: 'pm_card_visa' });
    const [method] = (await stripe.customers.listPaymentMethods(customer.id)).data;
    const price = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 100,
      recurring: { interval: 'day' },
      product_data: { name: 'Daily' },
    });
    const ended = webhooks.next('customer.subscription.deleted');
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: method.id,
      cancel_at: Math.floor(Date.now() / 1000) + 2,
    });
    expect(((await ended).data.object as Stripe.Subscription).id).toBe(subscription.id);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
  } finally {
    await stop();
  }
});
