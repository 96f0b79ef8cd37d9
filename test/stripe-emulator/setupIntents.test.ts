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

test('a SetupIntent is created waiting for a payment method, with an id and client secret', async () => {
  const customer = await h.stripe.customers.create({ email: 'setup@example.com' });
  const setupIntent = await h.stripe.setupIntents.create({
    customer: customer.id,
    usage: 'on_session',
    allowed_payment_method_types: ['card'],
    metadata: { plan: 'pro' },
    description: 'Save a card',
  });
  expect(setupIntent).toMatchObject({
    object: 'setup_intent',
    status: 'requires_payment_method',
    customer: customer.id,
    usage: 'on_session',
    payment_method: null,
    allowed_payment_method_types: ['card'],
    payment_method_types: ['card'],
    metadata: { plan: 'pro' },
    description: 'Save a card',
    last_setup_error: null,
    livemode: false,
  });
  expect(setupIntent.id).toMatch(/^seti_/);
  expect(setupIntent.client_secret).toMatch(new RegExp(`^${setupIntent.id}_secret_`));
  expect(await h.stripe.setupIntents.retrieve(setupIntent.id)).toEqual(setupIntent);
  expect(await deliveredTypesFor(h, setupIntent.id)).toEqual(['setup_intent.created']);
  const defaults = await h.stripe.setupIntents.create({});
  expect(defaults).toMatchObject({ usage: 'off_session', customer: null, status: 'requires_payment_method' });
});

test('confirming with a card attaches it to the customer and succeeds', async () => {
  const customer = await h.stripe.customers.create({ email: 'save@example.com' });
  const setupIntent = await h.stripe.setupIntents.create({ customer: customer.id });
  const confirmed = await h.stripe.setupIntents.confirm(setupIntent.id, { payment_method: 'pm_card_visa' });
  expect(confirmed).toMatchObject({ status: 'succeeded', last_setup_error: null, next_action: null });
  const methodId = confirmed.payment_method as string;
  expect(methodId).toMatch(/^pm_/);
  expect(await h.stripe.paymentMethods.retrieve(methodId)).toMatchObject({ customer: customer.id });
  await h.emulator.webhooksIdle();
  const types = h.webhooks.types();
  expect(types.indexOf('payment_method.attached')).toBeLessThan(types.indexOf('setup_intent.succeeded'));
  expect(await deliveredTypesFor(h, setupIntent.id)).toEqual([
    'setup_intent.created',
    'setup_intent.succeeded',
  ]);

  const again = await rejection(h.stripe.setupIntents.confirm(setupIntent.id));
  expect(again).toMatchObject({ code: 'setup_intent_unexpected_state' });
  const cancel = await rejection(h.stripe.setupIntents.cancel(setupIntent.id));
  expect(cancel).toMatchObject({ code: 'setup_intent_unexpected_state' });
  expect(await h.stripe.setupIntents.retrieve(setupIntent.id)).toMatchObject({ status: 'succeeded' });
});

test('create with confirm=true, and without a customer nothing is attached', async () => {
  const setupIntent = await h.stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true });
  expect(setupIntent.status).toBe('succeeded');
  expect(await h.stripe.paymentMethods.retrieve(setupIntent.payment_method as string)).toMatchObject({
    customer: null,
  });
});

test('a declining card fails the setup with last_setup_error and setup_intent.setup_failed', async () => {
  const customer = await h.stripe.customers.create({ email: 'declined@example.com' });
  const setupIntent = await h.stripe.setupIntents.create({ customer: customer.id });
  const error = await rejection(
    h.stripe.setupIntents.confirm(setupIntent.id, { payment_method: 'pm_card_chargeDeclined' }),
  );
  expect(error).toMatchObject({
    type: 'StripeCardError',
    statusCode: 402,
    code: 'card_declined',
    decline_code: 'generic_decline',
  });
  expect(error.setup_intent).toMatchObject({ id: setupIntent.id, status: 'requires_payment_method' });
  const failed = await h.stripe.setupIntents.retrieve(setupIntent.id);
  expect(failed).toMatchObject({
    status: 'requires_payment_method',
    payment_method: null,
    last_setup_error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' },
  });
  expect((await h.stripe.customers.listPaymentMethods(customer.id)).data).toHaveLength(0);
  expect(await deliveredTypesFor(h, setupIntent.id)).toEqual([
    'setup_intent.created',
    'setup_intent.setup_failed',
  ]);

  const expired = await rejection(
    h.stripe.setupIntents.confirm(setupIntent.id, { payment_method: 'pm_card_chargeDeclinedExpiredCard' }),
  );
  expect(expired).toMatchObject({ code: 'expired_card', decline_code: 'expired_card' });

  const retried = await h.stripe.setupIntents.confirm(setupIntent.id, { payment_method: 'pm_card_visa' });
  expect(retried).toMatchObject({ status: 'succeeded', last_setup_error: null });
});

test('a 3-D Secure card waits in requires_action until the challenge is completed', async () => {
  const customer = await h.stripe.customers.create({ email: '3ds@example.com' });
  const setupIntent = await h.stripe.setupIntents.create({
    customer: customer.id,
    payment_method: 'pm_card_threeDSecure2Required',
    confirm: true,
    return_url: 'http://app.test/saved',
  });
  expect(setupIntent.status).toBe('requires_action');
  const url = setupIntent.next_action?.redirect_to_url?.url as string;
  expect((await fetch(url)).status).toBe(200);
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'action=complete',
    redirect: 'manual',
  });
  expect(answer.status).toBe(303);
  expect(answer.headers.get('location')).toBe(`http://app.test/saved?setup_intent=${setupIntent.id}`);
  expect(await h.stripe.setupIntents.retrieve(setupIntent.id)).toMatchObject({ status: 'succeeded' });
  expect((await h.stripe.customers.listPaymentMethods(customer.id)).data).toHaveLength(1);
  expect(await deliveredTypesFor(h, setupIntent.id)).toEqual([
    'setup_intent.created',
    'setup_intent.requires_action',
    'setup_intent.succeeded',
  ]);

  const failing = await h.stripe.setupIntents.create({
    payment_method: 'pm_card_threeDSecure2Required',
    confirm: true,
  });
  await fetch(failing.next_action?.redirect_to_url?.url as string, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'action=fail',
  });
  expect(await h.stripe.setupIntents.retrieve(failing.id)).toMatchObject({
    status: 'requires_payment_method',
    last_setup_error: { code: 'setup_intent_authentication_failure' },
  });
});

test('update sets the payment method and fields; cancel emits setup_intent.canceled', async () => {
  const customer = await h.stripe.customers.create({ email: 'update@example.com' });
  const setupIntent = await h.stripe.setupIntents.create({});
  const updated = await h.stripe.setupIntents.update(setupIntent.id, {
    customer: customer.id,
    payment_method: 'pm_card_mastercard',
    metadata: { step: '2' },
    description: 'Updated',
  });
  expect(updated).toMatchObject({
    status: 'requires_confirmation',
    customer: customer.id,
    metadata: { step: '2' },
    description: 'Updated',
  });
  const canceled = await h.stripe.setupIntents.cancel(setupIntent.id, { cancellation_reason: 'abandoned' });
  expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
  expect(await deliveredTypesFor(h, setupIntent.id)).toEqual([
    'setup_intent.created',
    'setup_intent.canceled',
  ]);
  const confirmCanceled = await rejection(h.stripe.setupIntents.confirm(setupIntent.id));
  expect(confirmCanceled).toMatchObject({ code: 'setup_intent_unexpected_state' });
  const updateCanceled = await rejection(
    h.stripe.setupIntents.update(setupIntent.id, { payment_method: 'pm_card_visa' }),
  );
  expect(updateCanceled).toMatchObject({ code: 'setup_intent_unexpected_state' });
});

test('bad input is refused and changes nothing', async () => {
  const customer = await h.stripe.customers.create({ email: 'bad@example.com' });
  const before = await h.stripe.setupIntents.list({ limit: 100 });
  const missingCustomer = await rejection(h.stripe.setupIntents.create({ customer: 'cus_missing' }));
  expect(missingCustomer).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'customer' });
  const badType = await rejection(
    h.stripe.setupIntents.create({ allowed_payment_method_types: ['sepa_debit'] }),
  );
  expect(badType).toMatchObject({ code: 'parameter_invalid', param: 'allowed_payment_method_types[0]' });
  const olderName = await rejection(
    h.stripe.setupIntents.create({ payment_method_types: ['card'] } as Stripe.SetupIntentCreateParams),
  );
  expect(olderName).toMatchObject({ code: 'parameter_unknown', param: 'payment_method_types' });
  const badUsage = await rejection(
    h.stripe.setupIntents.create({ usage: 'sometimes' as Stripe.SetupIntentCreateParams.Usage }),
  );
  expect(badUsage).toMatchObject({ param: 'usage' });
  const missingMethod = await rejection(
    h.stripe.setupIntents.create({ payment_method: 'pm_missing', confirm: true }),
  );
  expect(missingMethod).toMatchObject({ statusCode: 404, param: 'payment_method' });
  const other = await h.stripe.customers.create({ email: 'other@example.com' });
  const othersCard = await h.stripe.paymentMethods.attach('pm_card_visa', { customer: other.id });
  const notYours = await rejection(
    h.stripe.setupIntents.create({ customer: customer.id, payment_method: othersCard.id }),
  );
  expect(notYours).toMatchObject({ param: 'payment_method' });
  const after = await h.stripe.setupIntents.list({ limit: 100 });
  expect(after.data.map((intent) => intent.id)).toEqual(before.data.map((intent) => intent.id));

  const setupIntent = await h.stripe.setupIntents.create({ customer: customer.id });
  const noMethod = await rejection(h.stripe.setupIntents.confirm(setupIntent.id));
  expect(noMethod).toMatchObject({ code: 'setup_intent_unexpected_state', param: 'payment_method' });
  const badMetadata = await rejection(
    h.stripe.setupIntents.update(setupIntent.id, {
      metadata: { ['k'.repeat(41)]: 'v' },
      description: 'should not stick',
    }),
  );
  expect(badMetadata).toMatchObject({ code: 'parameter_invalid' });
  expect(await h.stripe.setupIntents.retrieve(setupIntent.id)).toEqual(setupIntent);
});

test('list filters by customer and payment method', async () => {
  const customer = await h.stripe.customers.create({ email: 'list@example.com' });
  const first = await h.stripe.setupIntents.create({ customer: customer.id });
  const second = await h.stripe.setupIntents.create({
    customer: customer.id,
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  await h.stripe.setupIntents.create({});
  const listed = await h.stripe.setupIntents.list({ customer: customer.id });
  expect(listed.data.map((intent) => intent.id)).toEqual([second.id, first.id]);
  const byMethod = await h.stripe.setupIntents.list({ payment_method: second.payment_method as string });
  expect(byMethod.data.map((intent) => intent.id)).toEqual([second.id]);
});

describe('Checkout in setup mode', () => {
  test('saves the card to the customer through a SetupIntent and charges nothing', async () => {
    const customer = await h.stripe.customers.create({ email: 'checkout-setup@example.com' });
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      currency: 'usd',
      customer: customer.id,
      success_url: 'http://app.test/saved?session={CHECKOUT_SESSION_ID}',
      setup_intent_data: { metadata: { source: 'settings' }, description: 'Card for renewals' },
    });
    expect(session).toMatchObject({
      mode: 'setup',
      status: 'open',
      amount_total: null,
      amount_subtotal: null,
      currency: 'usd',
      payment_status: 'no_payment_required',
      setup_intent: null,
    });
    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('Save card');
    const result = await submitCheckoutForm(session.url!, {});
    expect(result.status).toBe(303);
    expect(result.location).toBe(`http://app.test/saved?session=${session.id}`);

    const completed = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    expect(completed).toMatchObject({
      status: 'complete',
      payment_status: 'no_payment_required',
      payment_intent: null,
      subscription: null,
    });
    const setupIntent = completed.setup_intent as Stripe.SetupIntent;
    expect(setupIntent).toMatchObject({
      status: 'succeeded',
      customer: customer.id,
      usage: 'off_session',
      description: 'Card for renewals',
      metadata: { source: 'settings' },
    });
    const methods = await h.stripe.customers.listPaymentMethods(customer.id);
    expect(methods.data.map((method) => method.id)).toEqual([setupIntent.payment_method]);
    expect((await h.stripe.charges.list({ customer: customer.id })).data).toHaveLength(0);
    await h.emulator.webhooksIdle();
    expect(
      sequenceIn(h.webhooks.types(), [
        'setup_intent.created',
        'payment_method.attached',
        'setup_intent.succeeded',
        'checkout.session.completed',
      ]),
    ).toBe(true);
  });

  test('a declining card saves nothing and the session stays open', async () => {
    const customer = await h.stripe.customers.create({ email: 'checkout-setup-declined@example.com' });
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      currency: 'usd',
      customer: customer.id,
      success_url: 'http://app.test/saved',
    });
    const result = await submitCheckoutForm(session.url!, { card: '4000000000000002' });
    expect(result.status).toBe(402);
    expect(await h.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: 'open',
      setup_intent: null,
    });
    expect((await h.stripe.setupIntents.list({ customer: customer.id })).data).toHaveLength(0);
  });

  test('setup mode refuses line items and payment parameters, and needs a currency', async () => {
    const before = await h.stripe.checkout.sessions.list({ limit: 100 });
    const base = { mode: 'setup' as const, currency: 'usd', success_url: 'http://app.test/saved' };
    const withLines = await rejection(
      h.stripe.checkout.sessions.create({
        ...base,
        line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'X' } } }],
      }),
    );
    expect(withLines).toMatchObject({ type: 'StripeInvalidRequestError', param: 'line_items' });
    const withPaymentData = await rejection(
      h.stripe.checkout.sessions.create({ ...base, payment_intent_data: { description: 'x' } }),
    );
    expect(withPaymentData).toMatchObject({ param: 'payment_intent_data' });
    const noCurrency = await rejection(
      h.stripe.checkout.sessions.create({ mode: 'setup', success_url: 'http://app.test/saved' }),
    );
    expect(noCurrency).toMatchObject({ param: 'currency' });
    const setupDataInPayment = await rejection(
      h.stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: 'http://app.test/saved',
        line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'X' } } }],
        setup_intent_data: { description: 'x' },
      }),
    );
    expect(setupDataInPayment).toMatchObject({ param: 'setup_intent_data' });
    const after = await h.stripe.checkout.sessions.list({ limit: 100 });
    expect(after.data.map((session) => session.id)).toEqual(before.data.map((session) => session.id));
  });
});
