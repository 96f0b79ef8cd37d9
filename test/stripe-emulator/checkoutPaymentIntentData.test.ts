import type Stripe from 'stripe';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const shipping = {
  name: 'Ada Lovelace',
  phone: '+15555550100',
  carrier: 'UPS',
  tracking_number: '1Z999',
  address: { line1: '1 Analytical Way', city: 'London', postal_code: 'N1 9GU', country: 'GB' },
};
const shippingOnObject = {
  ...shipping,
  address: { ...shipping.address, line2: null, state: null },
};

function paymentSession(paymentIntentData: Stripe.Checkout.SessionCreateParams.PaymentIntentData) {
  return h.stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 1800, product_data: { name: 'Book' } } }],
    success_url: 'http://app.test/done',
    payment_intent_data: paymentIntentData,
  });
}

test('payment_intent_data fields are carried onto the PaymentIntent and its charge', async () => {
  const carried = {
    receipt_email: 'ada@example.com',
    statement_descriptor: 'BOOKSHOP',
    statement_descriptor_suffix: 'ORDER 9',
    transfer_group: 'order_9',
    description: 'Order 9',
    metadata: { order: '9' },
  };
  const session = await paymentSession({ shipping, ...carried });
  expect((await submitCheckoutForm(session.url!, {})).status).toBe(303);
  const completed = await h.stripe.checkout.sessions.retrieve(session.id, {
    expand: ['payment_intent.latest_charge'],
  });
  const intent = completed.payment_intent as Stripe.PaymentIntent;
  expect(intent).toMatchObject({ status: 'succeeded', shipping: shippingOnObject, ...carried });
  expect(intent.latest_charge).toMatchObject({
    shipping: shippingOnObject,
    receipt_email: 'ada@example.com',
  });
});

test('Connect-only payment_intent_data fields are accepted without effect', async () => {
  const session = await paymentSession({ application_fee_amount: 100, on_behalf_of: 'acct_123' });
  expect(session.status).toBe('open');
});

test('bad payment_intent_data is refused and creates no session', async () => {
  const before = await h.stripe.checkout.sessions.list({ limit: 100 });
  const missingName = await paymentSession({
    shipping: { address: shipping.address } as Stripe.Checkout.SessionCreateParams.PaymentIntentData.Shipping,
  }).catch((error: unknown) => error);
  expect(missingName).toMatchObject({
    code: 'parameter_missing',
    param: 'payment_intent_data[shipping][name]',
  });
  const badCapture = await paymentSession({
    capture_method: 'later' as Stripe.Checkout.SessionCreateParams.PaymentIntentData.CaptureMethod,
  }).catch((error: unknown) => error);
  expect(badCapture).toMatchObject({
    code: 'parameter_invalid',
    param: 'payment_intent_data[capture_method]',
  });
  const badEmail = await paymentSession({ receipt_email: 'not-an-address' }).catch((error: unknown) => error);
  expect(badEmail).toMatchObject({ param: 'payment_intent_data[receipt_email]' });
  const after = await h.stripe.checkout.sessions.list({ limit: 100 });
  expect(after.data.map((session) => session.id)).toEqual(before.data.map((session) => session.id));
});

test('a PaymentIntent takes shipping on create and update', async () => {
  const intent = await h.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', shipping });
  expect(intent.shipping).toEqual(shippingOnObject);
  const updated = await h.stripe.paymentIntents.update(intent.id, {
    shipping: { ...shipping, tracking_number: '1Z000' },
  });
  expect(updated.shipping?.tracking_number).toBe('1Z000');
  const cleared = await h.stripe.paymentIntents.update(intent.id, { shipping: '' });
  expect(cleared.shipping).toBeNull();
});
