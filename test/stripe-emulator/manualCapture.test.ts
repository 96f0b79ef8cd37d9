import type Stripe from 'stripe';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { deliveredTypesFor, rejection, sequenceIn, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});
beforeEach(async () => {
  await h.emulator.webhooksIdle();
  h.webhooks.clear();
});

/** An authorized manual-capture payment, once its events have been delivered. */
async function authorize(amount = 5000): Promise<Stripe.PaymentIntent> {
  const intent = await h.stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    capture_method: 'manual',
    confirm: true,
  });
  await h.emulator.webhooksIdle();
  return intent;
}

test('a manual-capture payment stops at requires_capture with an uncaptured, successful charge', async () => {
  const intent = await authorize();
  expect(intent).toMatchObject({
    status: 'requires_capture',
    capture_method: 'manual',
    amount_capturable: 5000,
    amount_received: 0,
  });
  const charge = await h.stripe.charges.retrieve(intent.latest_charge as string);
  expect(charge).toMatchObject({
    status: 'succeeded',
    paid: true,
    captured: false,
    amount_captured: 0,
    balance_transaction: null,
  });
  const types = h.webhooks.types();
  expect(sequenceIn(types, ['charge.succeeded', 'payment_intent.amount_capturable_updated'])).toBe(true);
  expect(types).not.toContain('payment_intent.succeeded');
  expect(await deliveredTypesFor(h, intent.id)).toEqual([
    'payment_intent.created',
    'payment_intent.amount_capturable_updated',
  ]);
});

test('capturing the whole authorization succeeds the intent and captures the charge', async () => {
  const intent = await authorize();
  h.webhooks.clear();
  const captured = await h.stripe.paymentIntents.capture(intent.id, { metadata: { order: '17' } });
  expect(captured).toMatchObject({
    status: 'succeeded',
    amount_received: 5000,
    amount_capturable: 0,
    metadata: { order: '17' },
  });
  const charge = await h.stripe.charges.retrieve(intent.latest_charge as string);
  expect(charge).toMatchObject({
    captured: true,
    amount_captured: 5000,
    amount_refunded: 0,
    refunded: false,
  });
  expect(charge.balance_transaction).toMatch(/^txn_/);
  await h.emulator.webhooksIdle();
  expect(h.webhooks.types()).toEqual(['charge.captured', 'payment_intent.succeeded']);
  const capturedEvent = h.webhooks.events[0];
  expect(capturedEvent.data.previous_attributes).toMatchObject({ captured: false, amount_captured: 0 });
});

test('a partial capture takes amount_to_capture and releases the rest', async () => {
  const intent = await authorize(5000);
  const captured = await h.stripe.paymentIntents.capture(intent.id, { amount_to_capture: 3000 });
  expect(captured).toMatchObject({ status: 'succeeded', amount_received: 3000, amount_capturable: 0 });
  const charge = await h.stripe.charges.retrieve(intent.latest_charge as string, {
    expand: ['balance_transaction'],
  });
  expect(charge).toMatchObject({
    captured: true,
    amount_captured: 3000,
    amount_refunded: 2000,
    refunded: false,
  });
  expect(charge.balance_transaction).toMatchObject({ type: 'charge', amount: 3000 });

  // Only the captured amount can be refunded; refunding all of it marks the charge refunded.
  const tooMuch = await rejection(h.stripe.refunds.create({ charge: charge.id, amount: 3001 }));
  expect(tooMuch).toMatchObject({ code: 'amount_too_large', param: 'amount' });
  await h.stripe.refunds.create({ charge: charge.id });
  expect(await h.stripe.charges.retrieve(charge.id)).toMatchObject({ amount_refunded: 5000, refunded: true });
});

test('capture refuses more than amount_capturable, too little, and intents not awaiting capture; nothing changes', async () => {
  const intent = await authorize(5000);
  h.webhooks.clear();
  const tooLarge = await rejection(h.stripe.paymentIntents.capture(intent.id, { amount_to_capture: 5001 }));
  expect(tooLarge).toMatchObject({
    type: 'StripeInvalidRequestError',
    code: 'amount_too_large',
    param: 'amount_to_capture',
  });
  const tooSmall = await rejection(h.stripe.paymentIntents.capture(intent.id, { amount_to_capture: 10 }));
  expect(tooSmall).toMatchObject({ code: 'amount_too_small', param: 'amount_to_capture' });
  const badMetadata = await rejection(
    h.stripe.paymentIntents.capture(intent.id, { metadata: { ['k'.repeat(41)]: 'v' } }),
  );
  expect(badMetadata).toMatchObject({ code: 'parameter_invalid' });
  expect(await h.stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
    status: 'requires_capture',
    amount_capturable: 5000,
    metadata: {},
  });
  expect(await h.stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({ captured: false });

  const automatic = await h.stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  const notCapturable = await rejection(h.stripe.paymentIntents.capture(automatic.id));
  expect(notCapturable).toMatchObject({ code: 'payment_intent_unexpected_state' });
  expect(notCapturable.message).toContain('status of succeeded');

  const unconfirmed = await h.stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    capture_method: 'manual',
  });
  const early = await rejection(h.stripe.paymentIntents.capture(unconfirmed.id));
  expect(early).toMatchObject({ code: 'payment_intent_unexpected_state' });
  await h.emulator.webhooksIdle();
  expect(h.webhooks.types()).not.toContain('charge.captured');

  const amountChange = await rejection(h.stripe.paymentIntents.update(intent.id, { amount: 9000 }));
  expect(amountChange).toMatchObject({ code: 'payment_intent_unexpected_state' });
});

test('canceling an authorization releases it: the charge is refunded and nothing is captured', async () => {
  const intent = await authorize(4000);
  h.webhooks.clear();
  const canceled = await h.stripe.paymentIntents.cancel(intent.id, {
    cancellation_reason: 'requested_by_customer',
  });
  expect(canceled).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
  const charge = await h.stripe.charges.retrieve(intent.latest_charge as string, { expand: ['refunds'] });
  expect(charge).toMatchObject({
    captured: false,
    amount_captured: 0,
    amount_refunded: 4000,
    refunded: true,
    balance_transaction: null,
  });
  expect(charge.refunds?.data).toHaveLength(1);
  expect(charge.refunds?.data[0]).toMatchObject({
    amount: 4000,
    status: 'succeeded',
    balance_transaction: null,
  });
  await h.emulator.webhooksIdle();
  expect(sequenceIn(h.webhooks.types(), ['charge.refunded', 'payment_intent.canceled'])).toBe(true);

  const again = await rejection(h.stripe.paymentIntents.capture(intent.id));
  expect(again).toMatchObject({ code: 'payment_intent_unexpected_state' });
});

test('an uncaptured charge cannot be refunded directly; its PaymentIntent is canceled instead', async () => {
  const intent = await authorize(4000);
  const refused = await rejection(h.stripe.refunds.create({ charge: intent.latest_charge as string }));
  expect(refused).toMatchObject({ code: 'charge_not_refundable' });
  const byIntent = await rejection(h.stripe.refunds.create({ payment_intent: intent.id }));
  expect(byIntent).toMatchObject({ code: 'charge_not_refundable', param: 'payment_intent' });
  expect(await h.stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
    amount_refunded: 0,
    refunded: false,
  });
});

test('automatic_async captures at once like automatic', async () => {
  const intent = await h.stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    capture_method: 'automatic_async',
    confirm: true,
  });
  expect(intent).toMatchObject({
    status: 'succeeded',
    capture_method: 'automatic_async',
    amount_received: 2000,
  });
});

test('a declined card on a manual-capture intent fails as usual and leaves nothing to capture', async () => {
  const error = await rejection(
    h.stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_chargeDeclined',
      capture_method: 'manual',
      confirm: true,
    }),
  );
  expect(error).toMatchObject({ type: 'StripeCardError', code: 'card_declined' });
  expect(error.payment_intent).toMatchObject({ status: 'requires_payment_method', amount_capturable: 0 });
});

test('Checkout with payment_intent_data.capture_method=manual authorizes; the session is unpaid until capture', async () => {
  const session = await h.stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [
      { price_data: { currency: 'usd', unit_amount: 2500, product_data: { name: 'Hold' } }, quantity: 1 },
    ],
    success_url: 'http://app.test/done',
    payment_intent_data: { capture_method: 'manual' },
  });
  const result = await submitCheckoutForm(session.url!, { email: 'hold@example.com' });
  expect(result.status).toBe(303);
  const completed = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
  expect(completed).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
  const intent = completed.payment_intent as Stripe.PaymentIntent;
  expect(intent).toMatchObject({
    status: 'requires_capture',
    capture_method: 'manual',
    amount_capturable: 2500,
  });
  expect(await h.stripe.paymentIntents.capture(intent.id)).toMatchObject({ status: 'succeeded' });
});
