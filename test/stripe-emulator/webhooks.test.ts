import Stripe from 'stripe';
import { signPayload } from '../../server/stripe-emulator/events/signature';
import { startHarness, WebhookReceiver, WEBHOOK_SECRET } from './support';

test('deliveries carry a Stripe-Signature the SDK verifies, and a tampered body fails verification', async () => {
  const h = await startHarness();
  try {
    const customer = await h.stripe.customers.create({ email: 'signed@example.com' });
    await h.emulator.webhooksIdle();
    expect(h.webhooks.rejected).toEqual([]);
    const event = h.webhooks.events.find((entry) => entry.type === 'customer.created')!;
    expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
    const payload = JSON.stringify(event);
    const header = signPayload(payload, WEBHOOK_SECRET);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const verifier = new Stripe('sk_test_verifier');
    expect(verifier.webhooks.constructEvent(payload, header, WEBHOOK_SECRET).id).toBe(event.id);
    expect(() =>
      verifier.webhooks.constructEvent(payload.replace('signed@', 'forged@'), header, WEBHOOK_SECRET),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);
  } finally {
    await h.stop();
  }
});

test('a delivery answered with 500 is retried until it succeeds', async () => {
  const h = await startHarness({ delivery: { retrySchedule: [5, 10, 20] } });
  try {
    h.webhooks.failNext = [500, 503];
    await h.stripe.customers.create({});
    await h.emulator.webhooksIdle();
    expect(h.webhooks.types()).toEqual(['customer.created']);
    expect(h.webhooks.failNext).toEqual([]);
  } finally {
    await h.stop();
  }
});

test('deliveries stop after the last retry', async () => {
  const h = await startHarness({ delivery: { retrySchedule: [5, 5] } });
  try {
    h.webhooks.failNext = [500, 500, 500, 500];
    await h.stripe.customers.create({});
    await h.emulator.webhooksIdle();
    expect(h.webhooks.types()).toEqual([]);
    expect(h.webhooks.failNext).toEqual([500]);
  } finally {
    await h.stop();
  }
});

test('API-created webhook endpoints receive the events they enabled, signed with their own secret', async () => {
  const h = await startHarness();
  const receiver = new WebhookReceiver(new Stripe('sk_test_verifier'));
  await receiver.start();
  try {
    const endpoint = await h.stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['product.created'],
    });
    receiver.secret = endpoint.secret!;
    await h.stripe.products.create({ name: 'Only this' });
    await h.stripe.customers.create({});
    await h.emulator.webhooksIdle();
    expect(receiver.types()).toEqual(['product.created']);
    expect(receiver.rejected).toEqual([]);
  } finally {
    await receiver.stop();
    await h.stop();
  }
});

async function deliveredOrder(seed: number): Promise<{ types: string[]; ids: string[] }> {
  const h = await startHarness({ delivery: { duplicateProbability: 0.5, shuffle: true, seed } });
  try {
    const customer = await h.stripe.customers.create({});
    const intent = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await h.stripe.refunds.create({ payment_intent: intent.id });
    await h.emulator.webhooksIdle();
    return { types: h.webhooks.types(), ids: h.webhooks.events.map((event) => event.id) };
  } finally {
    await h.stop();
  }
}

test('duplicate and shuffled delivery is deterministic for a seed', async () => {
  const first = await deliveredOrder(7);
  const second = await deliveredOrder(7);
  expect(first.types).toEqual(second.types);
  expect(new Set(first.ids).size).toBeLessThan(first.ids.length);
  const expected = [
    'customer.created',
    'payment_intent.created',
    'charge.succeeded',
    'payment_intent.succeeded',
    'refund.created',
    'charge.refunded',
  ];
  expect(new Set(first.types)).toEqual(new Set(expected));
  const orders = await Promise.all([1, 2, 3, 4].map((seed) => deliveredOrder(seed)));
  const burstOrders = orders.map((order) =>
    order.types
      .filter((type) =>
        ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded'].includes(type),
      )
      .join(','),
  );
  expect(new Set(burstOrders).size).toBeGreaterThan(1);
});
