import type Stripe from 'stripe';
import { advanceTestClock } from '../../server/stripe-emulator/testing';
import { clockCustomer, monthlyPrice, sequenceIn, startHarness, type Harness } from './support';

const DAY = 86_400;
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

function eventsFor(type: string, subscriptionId: string): Stripe.Event[] {
  return h.webhooks.events.filter((event) => {
    const object = event.data.object as { id: string; parent?: Stripe.Invoice.Parent | null };
    return (
      event.type === type &&
      (object.id === subscriptionId || object.parent?.subscription_details?.subscription === subscriptionId)
    );
  });
}

test('a renewal on a test clock invoices the next period, finalizes it an hour later and charges it', async () => {
  const { clock, customer } = await clockCustomer(h.stripe);
  const price = await monthlyPrice(h.stripe, 2000);
  const subscription = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
  });
  expect(subscription.status).toBe('active');
  const periodEnd = subscription.items.data[0].current_period_end;
  expect(periodEnd).toBe(Date.UTC(2030, 1, 15, 12) / 1000);
  await h.emulator.webhooksIdle();
  h.webhooks.clear();

  const advancing = await h.stripe.testHelpers.testClocks.advance(clock.id, {
    frozen_time: periodEnd + 2 * 3600,
  });
  expect(advancing.status).toBe('advancing');
  const ready = await advanceTestClock(h.stripe, clock.id, periodEnd + 3 * 3600);
  expect(ready.frozen_time).toBe(periodEnd + 3 * 3600);
  await h.emulator.webhooksIdle();

  const renewed = await h.stripe.subscriptions.retrieve(subscription.id);
  expect(renewed.items.data[0].current_period_start).toBe(periodEnd);
  expect(renewed.items.data[0].current_period_end).toBe(Date.UTC(2030, 2, 15, 12) / 1000);
  const invoice = await h.stripe.invoices.retrieve(renewed.latest_invoice as string);
  expect(invoice).toMatchObject({
    status: 'paid',
    billing_reason: 'subscription_cycle',
    amount_paid: 2000,
    created: periodEnd,
  });
  expect(invoice.status_transitions.finalized_at).toBe(periodEnd + 3600);
  expect(invoice.lines.data[0].period).toEqual({
    start: periodEnd,
    end: renewed.items.data[0].current_period_end,
  });
  expect(
    sequenceIn(h.webhooks.types(), [
      'test_helpers.test_clock.advancing',
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'test_helpers.test_clock.ready',
    ]),
  ).toBe(true);
  const created = eventsFor('invoice.created', subscription.id)[0];
  expect(created.created).toBe(periodEnd);
});

test('a failing renewal goes past due, is retried on the dunning schedule and then cancels the subscription', async () => {
  const { clock, customer } = await clockCustomer(h.stripe, 'pm_card_chargeCustomerFail');
  const price = await monthlyPrice(h.stripe, 3000);
  const subscription = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    trial_period_days: 7,
  });
  expect(subscription.status).toBe('trialing');
  await h.emulator.webhooksIdle();
  h.webhooks.clear();
  const trialEnd = subscription.trial_end!;

  await advanceTestClock(h.stripe, clock.id, trialEnd + 2 * 3600);
  await h.emulator.webhooksIdle();
  const pastDue = await h.stripe.subscriptions.retrieve(subscription.id);
  expect(pastDue.status).toBe('past_due');
  const invoice = await h.stripe.invoices.retrieve(pastDue.latest_invoice as string);
  expect(invoice).toMatchObject({
    status: 'open',
    attempt_count: 1,
    next_payment_attempt: trialEnd + 3600 + 3 * DAY,
  });

  await advanceTestClock(h.stripe, clock.id, trialEnd + 8 * DAY);
  await h.emulator.webhooksIdle();
  const canceled = await h.stripe.subscriptions.retrieve(subscription.id);
  expect(canceled.status).toBe('canceled');
  expect(canceled.cancellation_details?.reason).toBe('payment_failed');
  const finalInvoice = await h.stripe.invoices.retrieve(invoice.id);
  expect(finalInvoice).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null });
  expect(
    eventsFor('invoice.payment_failed', subscription.id).map(
      (event) => (event.data.object as Stripe.Invoice).attempt_count,
    ),
  ).toEqual([1, 2, 3, 4]);
  expect(h.webhooks.types().filter((type) => type === 'charge.failed')).toHaveLength(4);
  expect(
    sequenceIn(h.webhooks.types(), [
      'customer.subscription.trial_will_end',
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      'charge.failed',
      'payment_intent.payment_failed',
      'invoice.payment_failed',
      'customer.subscription.updated',
      'invoice.payment_failed',
      'invoice.payment_failed',
      'invoice.payment_failed',
      'customer.subscription.deleted',
    ]),
  ).toBe(true);
  const pastDueEvent = eventsFor('customer.subscription.updated', subscription.id).find(
    (event) => (event.data.object as Stripe.Subscription).status === 'past_due',
  )!;
  expect(pastDueEvent.data.previous_attributes).toMatchObject({ status: 'active' });
});

test('trial_will_end fires three days before the trial ends; without a card the trial ends as configured', async () => {
  const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: Date.UTC(2031, 4, 1) / 1000 });
  const customer = await h.stripe.customers.create({ test_clock: clock.id });
  const price = await monthlyPrice(h.stripe, 900);
  const cancels = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    trial_period_days: 10,
    trial_settings: { end_behavior: { missing_payment_method: 'cancel' } },
  });
  const invoices = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    trial_period_days: 10,
  });
  await h.emulator.webhooksIdle();
  h.webhooks.clear();
  await advanceTestClock(h.stripe, clock.id, cancels.trial_end! - 3 * DAY + 60);
  await h.emulator.webhooksIdle();
  expect(eventsFor('customer.subscription.trial_will_end', cancels.id)).toHaveLength(1);
  expect(eventsFor('customer.subscription.trial_will_end', cancels.id)[0].created).toBe(
    cancels.trial_end! - 3 * DAY,
  );
  expect((await h.stripe.subscriptions.retrieve(cancels.id)).status).toBe('trialing');

  await advanceTestClock(h.stripe, clock.id, cancels.trial_end! + 2 * 3600);
  await h.emulator.webhooksIdle();
  expect((await h.stripe.subscriptions.retrieve(cancels.id)).status).toBe('canceled');
  expect(eventsFor('customer.subscription.deleted', cancels.id)).toHaveLength(1);
  const unpaid = await h.stripe.subscriptions.retrieve(invoices.id);
  expect(unpaid.status).toBe('past_due');
  expect((await h.stripe.invoices.retrieve(unpaid.latest_invoice as string)).status).toBe('open');
});

test('a price change prorates to the cent, matches createPreview, and lands on the next invoice with usage items', async () => {
  const { clock, customer } = await clockCustomer(h.stripe);
  const basic = await monthlyPrice(h.stripe, 1000);
  const pro = await monthlyPrice(h.stripe, 3000);
  const subscription = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: basic.id, quantity: 2 }],
  });
  const item = subscription.items.data[0];
  const start = item.current_period_start;
  const end = item.current_period_end;
  const prorationDate = start + Math.floor((end - start) / 3) + 17;
  const remaining = end - prorationDate;
  const expectedCredit = -Math.round((2000 * remaining) / (end - start));
  const expectedCharge = Math.round((6000 * remaining) / (end - start));

  const preview = await h.stripe.invoices.createPreview({
    subscription: subscription.id,
    subscription_details: {
      items: [{ id: item.id, price: pro.id, quantity: 2 }],
      proration_date: prorationDate,
    },
  });
  const previewProrations = preview.lines.data.filter(
    (line) => line.parent?.subscription_item_details?.proration,
  );
  expect(previewProrations.map((line) => line.amount)).toEqual([expectedCredit, expectedCharge]);
  expect(preview.lines.data.at(-1)).toMatchObject({
    amount: 6000,
    period: { start: end, end: expect.any(Number) },
  });
  expect(preview.total).toBe(expectedCredit + expectedCharge + 6000);

  await h.stripe.invoiceItems.create({
    customer: customer.id,
    amount: 450,
    currency: 'usd',
    description: 'Overage',
  });
  const updated = await h.stripe.subscriptions.update(subscription.id, {
    items: [{ id: item.id, price: pro.id, quantity: 2 }],
    proration_behavior: 'create_prorations',
    proration_date: prorationDate,
  });
  expect(updated.items.data[0]).toMatchObject({ id: item.id, quantity: 2, current_period_end: end });
  expect(updated.items.data[0].price.id).toBe(pro.id);
  const pending = await h.stripe.invoiceItems.list({ customer: customer.id, pending: true });
  expect(pending.data.map((entry) => entry.amount).sort((a, b) => a - b)).toEqual(
    [expectedCredit, 450, expectedCharge].sort((a, b) => a - b),
  );

  await advanceTestClock(h.stripe, clock.id, end + 2 * 3600);
  const renewal = await h.stripe.invoices.retrieve(
    (await h.stripe.subscriptions.retrieve(subscription.id)).latest_invoice as string,
  );
  expect(renewal.lines.data.map((line) => line.amount)).toEqual(
    expect.arrayContaining([expectedCredit, expectedCharge, 450, 6000]),
  );
  expect(renewal).toMatchObject({ total: expectedCredit + expectedCharge + 450 + 6000, status: 'paid' });
});

test('always_invoice charges the proration now; cancel at period end and resume; cancel now', async () => {
  const { clock, customer } = await clockCustomer(h.stripe);
  const basic = await monthlyPrice(h.stripe, 1000);
  const pro = await monthlyPrice(h.stripe, 2000);
  const subscription = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: basic.id }],
  });
  const item = subscription.items.data[0];
  await advanceTestClock(h.stripe, clock.id, item.current_period_start + 10 * DAY);
  const upgraded = await h.stripe.subscriptions.update(subscription.id, {
    items: [{ id: item.id, price: pro.id }],
    proration_behavior: 'always_invoice',
  });
  const invoice = await h.stripe.invoices.retrieve(upgraded.latest_invoice as string);
  expect(invoice).toMatchObject({ billing_reason: 'subscription_update', status: 'paid' });
  const period = item.current_period_end - item.current_period_start;
  const remaining = item.current_period_end - (item.current_period_start + 10 * DAY);
  expect(invoice.total).toBe(
    Math.round((2000 * remaining) / period) - Math.round((1000 * remaining) / period),
  );

  const ending = await h.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
  expect(ending).toMatchObject({
    cancel_at_period_end: true,
    cancel_at: item.current_period_end,
    status: 'active',
  });
  const resumed = await h.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
  expect(resumed).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
  await h.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
  await advanceTestClock(h.stripe, clock.id, item.current_period_end + 60);
  expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
  expect((await h.stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
  expect(
    (await h.stripe.subscriptions.list({ customer: customer.id, status: 'canceled' })).data,
  ).toHaveLength(1);

  const other = await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
  const canceled = await h.stripe.subscriptions.cancel(other.id, { prorate: true, invoice_now: true });
  expect(canceled.status).toBe('canceled');
  const finalInvoice = await h.stripe.invoices.retrieve(canceled.latest_invoice as string);
  expect(finalInvoice.total).toBeLessThan(0);
  expect(finalInvoice.amount_due).toBe(0);
  expect(((await h.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(
    finalInvoice.total,
  );
});

test('trial_end=now ends the trial and invoices immediately; subscription list filters by price and test clock', async () => {
  const { clock, customer } = await clockCustomer(h.stripe);
  const price = await monthlyPrice(h.stripe, 1200);
  const subscription = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    trial_period_days: 30,
    metadata: { plan: 'x' },
  });
  const ended = await h.stripe.subscriptions.update(subscription.id, {
    trial_end: 'now',
    metadata: { plan: 'y' },
  });
  expect(ended).toMatchObject({ status: 'active', metadata: { plan: 'y' } });
  expect(ended.items.data[0].current_period_start).toBe(clock.frozen_time);
  expect((await h.stripe.invoices.retrieve(ended.latest_invoice as string)).amount_paid).toBe(1200);
  expect((await h.stripe.subscriptions.list({ price: price.id })).data.map((s) => s.id)).toEqual([
    subscription.id,
  ]);
  expect((await h.stripe.subscriptions.list({ test_clock: clock.id })).data.map((s) => s.id)).toEqual([
    subscription.id,
  ]);
});
