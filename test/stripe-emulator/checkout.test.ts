import type Stripe from 'stripe';
import { submitCheckoutForm, TEST_CARDS } from '../../server/stripe-emulator/testing';
import { monthlyPrice, sequenceIn, startHarness, type Harness } from './support';

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

async function subscriptionSession(extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  const price = await monthlyPrice(h.stripe, 1500);
  return h.stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: price.id, quantity: 3 }],
    success_url: 'http://app.test/done?session={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://app.test/cancel',
    client_reference_id: 'acct_42',
    metadata: { account: 'acct_42' },
    subscription_data: { metadata: { account: 'acct_42' } },
    ...extra,
  });
}

test('a subscription checkout completed through the hosted form creates everything and redirects', async () => {
  const session = await subscriptionSession();
  expect(session).toMatchObject({
    status: 'open',
    amount_total: 4500,
    currency: 'usd',
    client_reference_id: 'acct_42',
  });
  const page = await fetch(session.url!);
  const html = await page.text();
  for (const field of [
    'name="card_number"',
    'name="card_expiry"',
    'name="card_cvc"',
    'name="email"',
    'for="card_number"',
  ])
    expect(html).toContain(field);

  const result = await submitCheckoutForm(session.url!, { email: 'buyer@example.com' });
  expect(result.status).toBe(303);
  expect(result.location).toBe(`http://app.test/done?session=${session.id}`);

  const completed = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items'] });
  expect(completed).toMatchObject({
    status: 'complete',
    payment_status: 'paid',
    metadata: { account: 'acct_42' },
  });
  expect(completed.line_items?.data[0]).toMatchObject({ quantity: 3, amount_total: 4500 });
  const subscription = await h.stripe.subscriptions.retrieve(completed.subscription as string);
  expect(subscription).toMatchObject({
    status: 'active',
    metadata: { account: 'acct_42' },
    customer: completed.customer,
  });
  expect(subscription.items.data[0].quantity).toBe(3);
  expect(subscription.items.data[0].current_period_end).toBeGreaterThan(
    subscription.items.data[0].current_period_start,
  );
  const invoice = await h.stripe.invoices.retrieve(completed.invoice as string);
  expect(invoice).toMatchObject({ status: 'paid', amount_paid: 4500, billing_reason: 'subscription_create' });
  expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id);
  expect((await h.stripe.customers.retrieve(completed.customer as string)) as Stripe.Customer).toMatchObject({
    email: 'buyer@example.com',
  });

  await h.emulator.webhooksIdle();
  expect(
    sequenceIn(h.webhooks.types(), [
      'customer.created',
      'payment_method.attached',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
      'checkout.session.completed',
    ]),
  ).toBe(true);
  const completedEvent = h.webhooks.events.find((event) => event.type === 'checkout.session.completed')!;
  expect((completedEvent.data.object as Stripe.Checkout.Session).client_reference_id).toBe('acct_42');
});

test('a trial checkout charges nothing now and stores the card on the subscription', async () => {
  const session = await subscriptionSession({ subscription_data: { trial_period_days: 14 } });
  expect(session.amount_total).toBe(0);
  const result = await submitCheckoutForm(session.url!);
  expect(result.status).toBe(303);
  const completed = await h.stripe.checkout.sessions.retrieve(session.id);
  expect(completed.payment_status).toBe('no_payment_required');
  const subscription = await h.stripe.subscriptions.retrieve(completed.subscription as string);
  expect(subscription.status).toBe('trialing');
  expect(subscription.trial_end! - subscription.trial_start!).toBe(14 * 86_400);
  expect(subscription.default_payment_method).toMatch(/^pm_/);
  expect((await h.stripe.invoices.retrieve(completed.invoice as string)).amount_paid).toBe(0);
});

test('a declined card shows the message, creates nothing and can be retried', async () => {
  const session = await subscriptionSession();
  await h.emulator.webhooksIdle();
  h.webhooks.clear();
  const declined = await submitCheckoutForm(session.url!, { card: TEST_CARDS.declined });
  expect(declined.status).toBe(402);
  expect(declined.html).toContain('Your card was declined.');
  const funds = await submitCheckoutForm(session.url!, { card: TEST_CARDS.insufficientFunds });
  expect(funds.html).toContain('insufficient funds');
  expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  await h.emulator.webhooksIdle();
  expect(h.webhooks.types()).toEqual([]);
  const retried = await submitCheckoutForm(session.url!);
  expect(retried.status).toBe(303);
});

test('a 3-D Secure card goes through the authentication page; failing it leaves the session open', async () => {
  const session = await subscriptionSession();
  const failed = await submitCheckoutForm(session.url!, {
    card: TEST_CARDS.requiresAuthentication,
    threeDSecure: 'fail',
  });
  expect(failed.status).toBe(402);
  expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  const passed = await submitCheckoutForm(session.url!, { card: TEST_CARDS.requiresAuthentication });
  expect(passed.status).toBe(303);
  expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('complete');
});

test('payment mode charges once, saves the card for off-session use and carries payment_intent_data', async () => {
  const customer = await h.stripe.customers.create({ email: 'credits@example.com' });
  const price = await h.stripe.prices.create({
    currency: 'usd',
    unit_amount: 2500,
    product_data: { name: 'Credits' },
  });
  const session = await h.stripe.checkout.sessions.create({
    mode: 'payment',
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 2 }],
    success_url: 'http://app.test/paid',
    payment_intent_data: { metadata: { credits: '100' }, setup_future_usage: 'off_session' },
  });
  expect((await submitCheckoutForm(session.url!)).location).toBe('http://app.test/paid');
  const completed = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
  const intent = completed.payment_intent as Stripe.PaymentIntent;
  expect(intent).toMatchObject({
    status: 'succeeded',
    amount: 5000,
    metadata: { credits: '100' },
    customer: customer.id,
  });
  const saved = await h.stripe.paymentMethods.list({ customer: customer.id });
  expect(saved.data).toHaveLength(1);
  const lines = await h.stripe.checkout.sessions.listLineItems(session.id);
  expect(lines.data[0]).toMatchObject({ quantity: 2, amount_total: 5000 });
  await expect(
    h.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: (await monthlyPrice(h.stripe)).id }],
      success_url: 'http://x',
    }),
  ).rejects.toMatchObject({ statusCode: 400 });
});

test('sessions can be expired and then no longer be paid', async () => {
  const session = await subscriptionSession();
  await h.emulator.webhooksIdle();
  h.webhooks.clear();
  const expired = await h.stripe.checkout.sessions.expire(session.id);
  expect(expired).toMatchObject({ status: 'expired', url: null });
  const attempt = await submitCheckoutForm(session.url!);
  expect(attempt.status).toBe(409);
  await h.emulator.webhooksIdle();
  expect(h.webhooks.types()).toEqual(['checkout.session.expired']);
});

test('a trial Checkout refuses what Stripe refuses: no trial days, or a trial ending within two days', async () => {
  await expect(subscriptionSession({ subscription_data: { trial_period_days: 0 } })).rejects.toMatchObject({
    param: 'subscription_data[trial_period_days]',
    message: 'The minimum number of trial period days is 1.',
  });
  const now = Math.floor(Date.now() / 1000);
  await expect(
    subscriptionSession({ subscription_data: { trial_end: now + 47 * 3600 } }),
  ).rejects.toMatchObject({
    param: 'subscription_data[trial_end]',
    message: 'The `trial_end` date has to be at least 2 days in the future.',
  });
  const accepted = await subscriptionSession({ subscription_data: { trial_end: now + 49 * 3600 } });
  expect(accepted.amount_total).toBe(0);

  // On a test clock, "now" is the clock's.
  const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: now - 30 * 86_400 });
  const customer = await h.stripe.customers.create({ email: 'clocked@example.com', test_clock: clock.id });
  const onClock = await subscriptionSession({
    customer: customer.id,
    subscription_data: { trial_end: now - 27 * 86_400 },
  });
  expect(onClock.amount_total).toBe(0);
});
