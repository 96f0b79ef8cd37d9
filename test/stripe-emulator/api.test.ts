import Stripe from 'stripe';
import { advanceTestClock } from '../../server/stripe-emulator/testing';
import { monthlyPrice, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

async function raw(path: string, init: RequestInit & { key?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set('Authorization', `Bearer ${init.key ?? 'sk_test_raw'}`);
  if (init.body) headers.set('Content-Type', 'application/x-www-form-urlencoded');
  return fetch(`${h.emulator.url}${path}`, { ...init, headers });
}

describe('wire protocol', () => {
  test('rejects missing and malformed API keys with 401', async () => {
    const missing = await raw('/v1/customers', { key: null });
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.type).toBe('invalid_request_error');
    const live = await raw('/v1/customers', { key: 'sk_live_123' });
    expect(live.status).toBe(401);
    await expect(new Stripe('not_a_key', h.emulator.sdkOptions()).customers.list()).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  test('sends request-id and echoes Stripe-Version', async () => {
    const response = await raw('/v1/customers', { headers: { 'Stripe-Version': '2024-06-20' } });
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('stripe-version')).toBe('2024-06-20');
    const defaulted = await raw('/v1/customers');
    expect(defaulted.headers.get('stripe-version')).toBe(Stripe.API_VERSION);
  });

  test('decodes bracket syntax, including expand[] and metadata', async () => {
    const created = await raw('/v1/customers', {
      method: 'POST',
      body: 'email=a%40b.c&metadata[plan]=pro&metadata[seats]=3&expand[]=test_clock',
    });
    const body = await created.json();
    expect(body.metadata).toEqual({ plan: 'pro', seats: '3' });
    expect(body.email).toBe('a@b.c');
  });

  test('reports Stripe errors: 404 resource_missing, 400 unknown and missing params', async () => {
    const missing = await h.stripe.customers.retrieve('cus_nope').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' });
    const unknown = await raw('/v1/customers', { method: 'POST', body: 'colour=blue' });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toMatchObject({
      code: 'parameter_unknown',
      param: 'colour',
      type: 'invalid_request_error',
    });
    const missingParam = await h.stripe.subscriptions
      .create({ items: [] } as unknown as Stripe.SubscriptionCreateParams)
      .catch((error: unknown) => error);
    expect(missingParam).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'customer' });
    const badInteger = await raw('/v1/prices', {
      method: 'POST',
      body: 'currency=usd&unit_amount=abc&product_data[name]=x',
    });
    expect((await badInteger.json()).error).toMatchObject({
      code: 'parameter_invalid_integer',
      param: 'unit_amount',
    });
    const notImplemented = await raw('/v1/quotes');
    expect(notImplemented.status).toBe(404);
  });

  test('replays an idempotent request and rejects a reused key with other parameters', async () => {
    const key = `key-${Date.now()}`;
    const first = await raw('/v1/customers', {
      method: 'POST',
      body: 'email=one%40example.com',
      headers: { 'Idempotency-Key': key },
    });
    const second = await raw('/v1/customers', {
      method: 'POST',
      body: 'email=one%40example.com',
      headers: { 'Idempotency-Key': key },
    });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect((await second.json()).id).toBe((await first.json()).id);
    const conflict = await h.stripe.customers
      .create({ email: 'two@example.com' }, { idempotencyKey: key })
      .catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(conflict).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
  });

  test('ignores an Idempotency-Key on a DELETE, as Stripe does: the second delete is a delete of nothing', async () => {
    const customer = await h.stripe.customers.create({ email: 'deleted-twice@example.com' });
    const key = `delete-${Date.now()}`;
    const first = await raw(`/v1/customers/${customer.id}`, {
      method: 'DELETE',
      headers: { 'Idempotency-Key': key },
    });
    expect(first.status).toBe(200);
    const second = await raw(`/v1/customers/${customer.id}`, {
      method: 'DELETE',
      headers: { 'Idempotency-Key': key },
    });
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.status).toBe(404);
    expect((await second.json()).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'resource_missing',
    });
  });

  test('holds metadata to Stripe’s limits: 50 keys, keys of 40 characters, values of 500', async () => {
    const invalid = (promise: Promise<unknown>) =>
      expect(promise).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await invalid(h.stripe.customers.create({ metadata: { ['k'.repeat(41)]: 'v' } }));
    await expect(h.stripe.customers.create({ metadata: { long: 'v'.repeat(501) } })).rejects.toMatchObject({
      param: 'metadata[long]',
      message:
        'Metadata values can have up to 500 characters, but you passed in a value that is 501 characters.',
    });
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`key${index}`, 'v']));
    const customer = await h.stripe.customers.create({
      metadata: { ...fifty, ['k'.repeat(40)]: '' },
      email: 'fifty@example.com',
    });
    expect(Object.keys(customer.metadata)).toHaveLength(50);
    await expect(
      h.stripe.customers.update(customer.id, { metadata: { one_more: 'v' } }),
    ).rejects.toMatchObject({
      param: 'metadata',
    });
    // Nothing of a refused request is kept.
    expect((await h.stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      metadata: expect.not.objectContaining({ one_more: 'v' }),
    });
    const unset = await h.stripe.customers.update(customer.id, { metadata: { key0: '', one_more: 'v' } });
    expect(unset.metadata).toMatchObject({ one_more: 'v' });
    expect(unset.metadata).not.toHaveProperty('key0');
  });

  test('refuses an invalid email and an unknown currency as Stripe does, creating nothing', async () => {
    const marker = `refused-${Date.now()}`;
    await expect(h.stripe.customers.create({ email: 'not an email', name: marker })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      param: 'email',
      message: 'Invalid email address: not an email',
    });
    expect(
      (await h.stripe.customers.list({ limit: 100 })).data.some((customer) => customer.name === marker),
    ).toBe(false);
    const customer = await h.stripe.customers.create({ email: 'Valid.Person+tag@example.co.uk' });
    // An empty email unsets it.
    expect((await h.stripe.customers.update(customer.id, { email: '' })).email).toBeNull();

    const product = await h.stripe.products.create({ name: `currency ${marker}` });
    await expect(
      h.stripe.prices.create({ product: product.id, currency: 'xyz', unit_amount: 100 }),
    ).rejects.toMatchObject({
      param: 'currency',
      message: expect.stringMatching(/^Invalid currency: xyz\./),
    });
    await expect(h.stripe.paymentIntents.create({ amount: 100, currency: 'dollars' })).rejects.toMatchObject({
      param: 'currency',
    });
    expect(
      (await h.stripe.prices.create({ product: product.id, currency: 'EUR', unit_amount: 100 })).currency,
    ).toBe('eur');
  });

  test('keeps a customer’s address, shipping, languages and tax status, and unsets them with an empty value', async () => {
    const customer = await h.stripe.customers.create({
      email: 'address@example.com',
      address: { line1: '1 Main St', city: 'Berlin', postal_code: '10115', country: 'DE' },
      shipping: { name: 'Ada', address: { line1: '2 Side St', country: 'DE' } },
      preferred_locales: ['de', 'en'],
      tax_exempt: 'reverse',
    });
    expect(customer).toMatchObject({
      address: {
        line1: '1 Main St',
        line2: null,
        city: 'Berlin',
        state: null,
        postal_code: '10115',
        country: 'DE',
      },
      shipping: { name: 'Ada', phone: null, address: { line1: '2 Side St', country: 'DE' } },
      preferred_locales: ['de', 'en'],
      tax_exempt: 'reverse',
    });
    const updated = await h.stripe.customers.update(customer.id, {
      address: '',
      preferred_locales: ['fr'],
      tax_exempt: 'none',
    } as unknown as Stripe.CustomerUpdateParams);
    expect(updated).toMatchObject({ address: null, preferred_locales: ['fr'], tax_exempt: 'none' });
    expect(updated.shipping).toMatchObject({ name: 'Ada' });
    await expect(
      h.stripe.customers.update(customer.id, { tax_exempt: 'sometimes' as 'none' }),
    ).rejects.toMatchObject({ param: 'tax_exempt' });
  });

  test('creates no customer when the card it is created with is declined', async () => {
    const marker = `declined-${Date.now()}`;
    const events = (await h.stripe.events.list({ limit: 100, type: 'customer.created' })).data.length;
    await expect(
      h.stripe.customers.create({ name: marker, payment_method: 'pm_card_visa_chargeDeclined' }),
    ).rejects.toMatchObject({ type: 'StripeCardError', code: 'card_declined' });
    expect(
      (await h.stripe.customers.list({ limit: 100 })).data.some((customer) => customer.name === marker),
    ).toBe(false);
    expect((await h.stripe.events.list({ limit: 100, type: 'customer.created' })).data.length).toBe(events);
  });

  test('searches customers and subscriptions with Stripe’s query language, newest first, page by page', async () => {
    const marker = `search${Date.now()}`;
    const ada = await h.stripe.customers.create({
      email: `ada.${marker}@example.com`,
      name: 'Ada',
      metadata: { marker },
    });
    const bob = await h.stripe.customers.create({
      email: `bob.${marker}@example.com`,
      name: 'Bob',
      metadata: { marker },
    });
    await h.stripe.customers.create({ email: `eve.${marker}@example.com`, name: 'Eve' });

    const byEmail = await h.stripe.customers.search({ query: `email:'ada.${marker}@example.com'` });
    expect(byEmail).toMatchObject({ object: 'search_result', url: '/v1/customers/search', has_more: false });
    expect(byEmail.data.map((customer) => customer.id)).toEqual([ada.id]);

    const tagged = await h.stripe.customers.search({ query: `metadata['marker']:'${marker}'`, limit: 1 });
    expect(tagged.data.map((customer) => customer.id)).toEqual([bob.id]);
    expect(tagged.has_more).toBe(true);
    const next = await h.stripe.customers.search({
      query: `metadata['marker']:'${marker}'`,
      limit: 1,
      page: tagged.next_page!,
    });
    expect(next.data.map((customer) => customer.id)).toEqual([ada.id]);
    expect(next).toMatchObject({ has_more: false, next_page: null });

    const either = await h.stripe.customers
      .search({ query: `name:'Ada' OR name:'Bob' AND email~'${marker}'` })
      .catch((error: unknown) => error);
    expect(either).toMatchObject({
      param: 'query',
      message: expect.stringContaining('AND and OR cannot be combined'),
    });
    const notBob = await h.stripe.customers.search({ query: `email~'${marker}' AND -name:'Bob'` });
    expect(notBob.data.map((customer) => customer.name).sort()).toEqual(['Ada', 'Eve']);
    await expect(h.stripe.customers.search({ query: `colour:'blue'` })).rejects.toMatchObject({
      param: 'query',
    });

    const subscription = await h.stripe.subscriptions.create({
      customer: ada.id,
      items: [{ price: (await monthlyPrice(h.stripe)).id }],
      payment_behavior: 'default_incomplete',
      metadata: { marker },
    });
    const found = await h.stripe.subscriptions.search({
      query: `metadata['marker']:'${marker}' AND status:'${subscription.status}'`,
    });
    expect(found.data.map((item) => item.id)).toEqual([subscription.id]);
    expect(
      (await h.stripe.subscriptions.search({ query: `metadata['marker']:'${marker}' AND status:'canceled'` }))
        .data,
    ).toEqual([]);
  });

  test('paginates newest first with starting_after, ending_before and has_more', async () => {
    const marker = `page-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1)
      ids.push((await h.stripe.customers.create({ email: `${marker}@example.com` })).id);
    const first = await h.stripe.customers.list({ email: `${marker}@example.com`, limit: 2 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/customers' });
    expect(first.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    const second = await h.stripe.customers.list({
      email: `${marker}@example.com`,
      limit: 2,
      starting_after: ids[3],
    });
    expect(second.data.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    const before = await h.stripe.customers.list({
      email: `${marker}@example.com`,
      limit: 2,
      ending_before: ids[1],
    });
    expect(before.data.map((c) => c.id)).toEqual([ids[3], ids[2]]);
    const all: string[] = [];
    for await (const customer of h.stripe.customers.list({ email: `${marker}@example.com`, limit: 2 }))
      all.push(customer.id);
    expect(all).toEqual([...ids].reverse());
  });

  test('expands ids, nested paths and paths through lists', async () => {
    const customer = await h.stripe.customers.create({
      email: 'expand@example.com',
      payment_method: 'pm_card_visa',
    });
    const [method] = (await h.stripe.customers.listPaymentMethods(customer.id)).data;
    await h.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: method.id } });
    const price = await monthlyPrice(h.stripe);
    const subscription = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      expand: ['customer', 'latest_invoice.payments'],
    });
    expect((subscription.customer as Stripe.Customer).email).toBe('expand@example.com');
    const invoice = subscription.latest_invoice as Stripe.Invoice;
    expect(invoice.payments?.data[0].payment.type).toBe('payment_intent');
    const listed = await h.stripe.subscriptions.list({
      customer: customer.id,
      expand: ['data.customer', 'data.items.data.price.product'],
    });
    expect((listed.data[0].customer as Stripe.Customer).id).toBe(customer.id);
    expect((listed.data[0].items.data[0].price.product as Stripe.Product).name).toBe('Plan 2000');
    const bad = await h.stripe.subscriptions
      .retrieve(subscription.id, { expand: ['latest_invoice.payment_intent'] })
      .catch((error: unknown) => error);
    expect(bad).toMatchObject({ statusCode: 400 });
  });
});

describe('catalog', () => {
  test('lookup keys are unique, transferable and filterable', async () => {
    const key = `pro-${Date.now()}`;
    const first = await h.stripe.prices.create({
      currency: 'usd',
      unit_amount: 1000,
      recurring: { interval: 'month' },
      lookup_key: key,
      product_data: { name: 'Pro' },
    });
    await expect(
      h.stripe.prices.create({
        currency: 'usd',
        unit_amount: 1200,
        product: first.product as string,
        lookup_key: key,
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'lookup_key' });
    const second = await h.stripe.prices.create({
      currency: 'usd',
      unit_amount: 1200,
      product: first.product as string,
      lookup_key: key,
      transfer_lookup_key: true,
      metadata: { tier: 'b' },
    });
    const found = await h.stripe.prices.list({ lookup_keys: [key] });
    expect(found.data.map((price) => price.id)).toEqual([second.id]);
    expect((await h.stripe.prices.retrieve(first.id)).lookup_key).toBeNull();
    expect(second).toMatchObject({
      type: 'one_time',
      recurring: null,
      unit_amount: 1200,
      metadata: { tier: 'b' },
      active: true,
    });
    const archived = await h.stripe.prices.update(second.id, { active: false });
    expect(archived.active).toBe(false);
    expect((await h.stripe.prices.list({ lookup_keys: [key], active: true })).data).toHaveLength(0);
  });
});

describe('payments', () => {
  test('payment methods attach, list by customer and detach; declining cards fail to attach', async () => {
    const customer = await h.stripe.customers.create({ email: 'pm@example.com' });
    const method = await h.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    expect(method.card).toMatchObject({ brand: 'visa', last4: '4242' });
    await h.stripe.paymentMethods.attach(method.id, { customer: customer.id });
    expect((await h.stripe.paymentMethods.list({ customer: customer.id })).data.map((m) => m.id)).toEqual([
      method.id,
    ]);
    await h.stripe.paymentMethods.detach(method.id);
    expect((await h.stripe.paymentMethods.list({ customer: customer.id })).data).toHaveLength(0);
    await expect(
      h.stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
  });

  test('off-session top-ups succeed with 4242 and fail with 0341', async () => {
    const customer = await h.stripe.customers.create({ email: 'topup@example.com' });
    const good = await h.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const intent = await h.stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      customer: customer.id,
      payment_method: good.id,
      off_session: true,
      confirm: true,
      metadata: { topup: '1' },
    });
    expect(intent).toMatchObject({ status: 'succeeded', amount_received: 5000, metadata: { topup: '1' } });
    const charge = await h.stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({
      paid: true,
      status: 'succeeded',
      amount: 5000,
      payment_intent: intent.id,
    });

    const bad = await h.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    const error = (await h.stripe.paymentIntents
      .create({
        amount: 5000,
        currency: 'usd',
        customer: customer.id,
        payment_method: bad.id,
        off_session: true,
        confirm: true,
      })
      .catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    const failed = await h.stripe.paymentIntents.retrieve(error.payment_intent!.id);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error).toMatchObject({
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
  });

  test('3-D Secure cards need action on session and fail off session', async () => {
    const customer = await h.stripe.customers.create({});
    const onSession = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_threeDSecure2Required',
      confirm: true,
      return_url: 'http://app.test/back',
    });
    expect(onSession.status).toBe('requires_action');
    expect(onSession.next_action?.redirect_to_url?.url).toContain(`/3ds/${onSession.id}`);
    const completed = await fetch(onSession.next_action!.redirect_to_url!.url!, {
      method: 'POST',
      body: new URLSearchParams({ action: 'complete' }),
      redirect: 'manual',
    });
    expect(completed.status).toBe(303);
    expect(completed.headers.get('location')).toBe(`http://app.test/back?payment_intent=${onSession.id}`);
    expect((await h.stripe.paymentIntents.retrieve(onSession.id)).status).toBe('succeeded');

    const method = await h.stripe.paymentMethods.attach('pm_card_threeDSecure2Required', {
      customer: customer.id,
    });
    await expect(
      h.stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        customer: customer.id,
        payment_method: method.id,
        off_session: true,
        confirm: true,
      }),
    ).rejects.toMatchObject({ statusCode: 402, code: 'authentication_required' });
  });

  test('refunds: partial then full, on a payment intent or a charge, with events', async () => {
    h.webhooks.clear();
    const customer = await h.stripe.customers.create({});
    const intent = await h.stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const partial = await h.stripe.refunds.create({ payment_intent: intent.id, amount: 1000 });
    expect(partial).toMatchObject({ amount: 1000, status: 'succeeded', charge: intent.latest_charge });
    expect(await h.stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      amount_refunded: 1000,
      refunded: false,
    });
    await expect(
      h.stripe.refunds.create({ charge: intent.latest_charge as string, amount: 2500 }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
    const rest = await h.stripe.refunds.create({ charge: intent.latest_charge as string });
    expect(rest.amount).toBe(2000);
    expect(await h.stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      amount_refunded: 3000,
      refunded: true,
    });
    await h.emulator.webhooksIdle();
    const refundEvents = h.webhooks.events.filter((event) => event.type === 'charge.refunded');
    expect(refundEvents).toHaveLength(2);
    expect((refundEvents[1].data.object as Stripe.Charge).refunded).toBe(true);
    expect(refundEvents[1].data.previous_attributes).toMatchObject({
      amount_refunded: 1000,
      refunded: false,
    });
    expect(h.webhooks.types().filter((type) => type === 'refund.created')).toHaveLength(2);
    expect((await h.stripe.refunds.list({ payment_intent: intent.id })).data).toHaveLength(2);
  });

  test('a refund to the refund-failure card succeeds at first and fails an hour later, as on Stripe', async () => {
    h.webhooks.clear();
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: 1_767_225_600 });
    const customer = await h.stripe.customers.create({ test_clock: clock.id });
    const intent = await h.stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_refundFail',
      confirm: true,
    });
    expect(intent.status).toBe('succeeded');
    const refund = await h.stripe.refunds.create({ payment_intent: intent.id, amount: 1200 });
    expect(refund.status).toBe('succeeded');
    await advanceTestClock(h.stripe, clock.id, 1_767_225_600 + 3599);
    expect((await h.stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');

    await advanceTestClock(h.stripe, clock.id, 1_767_225_600 + 3600);
    expect(await h.stripe.refunds.retrieve(refund.id)).toMatchObject({
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
    });
    // The money is back with the merchant: the charge can be refunded again.
    expect(await h.stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      amount_refunded: 0,
      refunded: false,
    });
    await h.emulator.webhooksIdle();
    const failed = h.webhooks.events.filter((event) =>
      ['refund.updated', 'charge.refund.updated', 'refund.failed'].includes(event.type),
    );
    expect(failed.map((event) => [event.type, (event.data.object as Stripe.Refund).status])).toEqual([
      ['refund.updated', 'failed'],
      ['charge.refund.updated', 'failed'],
      ['refund.failed', 'failed'],
    ]);
    expect(failed[0]!.data.previous_attributes).toMatchObject({ status: 'succeeded' });
    expect(failed[0]!.created).toBe(1_767_225_600 + 3600);
  });
});

describe('invoices and platform objects', () => {
  test('sends a send_invoice invoice, finalizing a draft first, and refuses one charged automatically', async () => {
    const customer = await h.stripe.customers.create({ email: 'invoiced@example.com' });
    await h.stripe.invoiceItems.create({ customer: customer.id, amount: 1200, currency: 'usd' });
    const invoice = await h.stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 30,
      pending_invoice_items_behavior: 'include',
    });
    const since = Math.floor(Date.now() / 1000) - 1;
    const sent = await h.stripe.invoices.sendInvoice(invoice.id);
    expect(sent).toMatchObject({ id: invoice.id, status: 'open', amount_due: 1200 });
    const events = await h.stripe.events.list({ type: 'invoice.sent', created: { gte: since } });
    expect(events.data.map((event) => (event.data.object as Stripe.Invoice).id)).toContain(invoice.id);

    const automatic = await h.stripe.invoices.create({ customer: customer.id });
    await expect(h.stripe.invoices.sendInvoice(automatic.id)).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      message: expect.stringContaining('send_invoice'),
    });
    await h.stripe.invoices.voidInvoice(invoice.id);
    await expect(h.stripe.invoices.sendInvoice(invoice.id)).rejects.toMatchObject({
      message: expect.stringContaining('this one is void'),
    });
  });

  test('manual invoice: items, finalize, pay, void and mark uncollectible', async () => {
    const customer = await h.stripe.customers.create({ payment_method: 'pm_card_visa' });
    const [method] = (await h.stripe.customers.listPaymentMethods(customer.id)).data;
    await h.stripe.invoiceItems.create({
      customer: customer.id,
      amount: 700,
      currency: 'usd',
      description: 'Setup',
    });
    const invoice = await h.stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    expect(invoice).toMatchObject({ status: 'draft', total: 700, billing_reason: 'manual' });
    const lines = await h.stripe.invoices.listLineItems(invoice.id);
    expect(lines.data.map((line) => line.description)).toEqual(['Setup']);
    const finalized = await h.stripe.invoices.finalizeInvoice(invoice.id);
    expect(finalized).toMatchObject({ status: 'open', amount_due: 700 });
    expect(finalized.number).toMatch(/-0001$/);
    expect(finalized.hosted_invoice_url).toContain(`/i/${invoice.id}`);
    const pdf = await fetch(finalized.invoice_pdf!);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const paid = await h.stripe.invoices.pay(invoice.id, { payment_method: method.id });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 700, amount_remaining: 0 });

    await h.stripe.invoiceItems.create({ customer: customer.id, amount: 300, currency: 'usd' });
    const second = await h.stripe.invoices.finalizeInvoice(
      (await h.stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' }))
        .id,
    );
    expect((await h.stripe.invoices.voidInvoice(second.id)).status).toBe('void');
    await h.stripe.invoiceItems.create({ customer: customer.id, amount: 400, currency: 'usd' });
    const third = await h.stripe.invoices.finalizeInvoice(
      (await h.stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' }))
        .id,
    );
    expect((await h.stripe.invoices.markUncollectible(third.id)).status).toBe('uncollectible');
    await expect(h.stripe.invoices.finalizeInvoice(third.id)).rejects.toMatchObject({ statusCode: 400 });
  });

  test('events can be listed by type, types[] and created, and retrieved', async () => {
    const customer = await h.stripe.customers.create({ email: 'events@example.com' });
    await h.stripe.customers.update(customer.id, { metadata: { a: '1' } });
    const updated = await h.stripe.events.list({ type: 'customer.updated', limit: 100 });
    const event = updated.data.find((entry) => (entry.data.object as Stripe.Customer).id === customer.id)!;
    expect(event.data.previous_attributes).toEqual({ metadata: { a: null } });
    expect(event.api_version).toBe(Stripe.API_VERSION);
    expect(event.request?.id).toMatch(/^req_/);
    const both = await h.stripe.events.list({ types: ['customer.created', 'customer.updated'], limit: 100 });
    expect(new Set(both.data.map((entry) => entry.type))).toEqual(
      new Set(['customer.created', 'customer.updated']),
    );
    expect((await h.stripe.events.list({ created: { gt: event.created + 10_000 } })).data).toHaveLength(0);
    expect((await h.stripe.events.retrieve(event.id)).id).toBe(event.id);
  });

  test('webhook endpoints return their secret once, list and delete', async () => {
    const endpoint = await h.stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/none',
      enabled_events: ['invoice.paid'],
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await h.stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();
    expect((await h.stripe.webhookEndpoints.list()).data.map((e) => e.id)).toContain(endpoint.id);
    expect(await h.stripe.webhookEndpoints.del(endpoint.id)).toMatchObject({
      id: endpoint.id,
      deleted: true,
    });
    expect((await h.stripe.webhookEndpoints.list()).data.map((e) => e.id)).not.toContain(endpoint.id);
  });

  test('billing portal sessions point at the hosted portal and deleted customers answer deleted', async () => {
    const customer = await h.stripe.customers.create({ email: 'portal@example.com' });
    const session = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'http://app.test/account',
    });
    expect(session.url).toBe(`${h.emulator.url}/p/session/${session.id}`);
    const portal = await fetch(session.url);
    expect(await portal.text()).toContain('http://app.test/account');
    expect(await h.stripe.customers.del(customer.id)).toMatchObject({ deleted: true });
    expect(await h.stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, deleted: true });
  });
});
