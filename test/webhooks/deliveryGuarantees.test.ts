import type Stripe from 'stripe';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createAccount, createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';

/**
 * Stripe delivers at least once, in any order, sometimes twice at the same moment. Here the emulator
 * does not deliver by itself: each test hands events to our route itself, in the order it wants.
 */
const stack = useBillingStack({ webhooks: false });

async function deliver(event: Stripe.Event): Promise<{ status: number; outcome?: string }> {
  const payload = JSON.stringify(event);
  const response = await fetch(`${stack.app.url}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stack.stripe.webhooks.generateTestHeaderString({
        payload,
        secret: stack.webhookSecret,
      }),
    },
    body: payload,
  });
  const body = (await response.json()) as { outcome?: string };
  return { status: response.status, outcome: body.outcome };
}

async function planPrice(key: string): Promise<string> {
  return (await stack.knex('plans').where({ key, active: true }).first()).stripePriceId;
}

/** An account whose Stripe customer has a card, and the events Stripe emitted for it since. */
async function customerWithCard() {
  const account = await createAccount();
  const customer = await stack.stripe.customers.create({
    name: account.name,
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  const card = await stack.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stack.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
  return { account, customer };
}

async function eventsOf(customerId: string, type: string): Promise<Stripe.Event[]> {
  const events = await stack.stripe.events.list({ type, limit: 100 });
  return events.data
    .filter((event) => (event.data.object as { customer?: string; id?: string }).customer === customerId)
    .reverse();
}

const currentSubscription = (accountId: string) =>
  stack
    .knex('subscriptions')
    .where({ accountId })
    .whereIn('status', ['trialing', 'active', 'past_due', 'paused', 'incomplete'])
    .first();

describe('webhook delivery guarantees', () => {
  it('applies an event delivered twice in a row once', async () => {
    const { account, customer } = await customerWithCard();
    await stack.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: await planPrice('pro_monthly') }],
    });
    const [created] = await eventsOf(customer.id, 'customer.subscription.created');
    expect(await deliver(created!)).toEqual({ status: 200, outcome: 'processed' });
    expect(await deliver(created!)).toEqual({ status: 200, outcome: 'duplicate' });
    expect(
      await stack.knex('audit_log').where({ accountId: account.id, action: 'subscription.started' }),
    ).toHaveLength(1);
    expect(await stack.knex('stripe_events').where({ id: created!.id }).first()).toMatchObject({
      status: 'processed',
      attempts: 1,
      accountId: account.id,
    });
  });

  it('applies an event delivered five times at the same moment once', async () => {
    const { account, customer } = await customerWithCard();
    await stack.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: await planPrice('max_monthly') }],
    });
    const [paid] = await eventsOf(customer.id, 'invoice.paid');
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => deliver(paid!)));
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
      'processed',
    ]);
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([
      expect.objectContaining({ status: 'completed', amount: 49_999 }),
    ]);
    expect(await stack.knex('invoices').where({ accountId: account.id })).toHaveLength(1);
  });

  it('ends in Stripe’s current state when updates arrive before the creation', async () => {
    const { account, customer } = await customerWithCard();
    const subscription = await stack.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: await planPrice('pro_monthly') }],
    });
    await stack.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const [created] = await eventsOf(customer.id, 'customer.subscription.created');
    const updates = await eventsOf(customer.id, 'customer.subscription.updated');
    for (const event of [...updates].reverse()) expect((await deliver(event)).status).toBe(200);
    expect((await deliver(created!)).status).toBe(200);
    expect(await currentSubscription(account.id)).toMatchObject({
      stripeSubscriptionId: subscription.id,
      status: 'active',
      cancelAtPeriodEnd: true,
    });
    expect(await stack.knex('subscriptions').where({ accountId: account.id })).toHaveLength(2);
  });

  it('does not resurrect a subscription whose deletion arrives before its creation', async () => {
    const { account, customer } = await customerWithCard();
    const subscription = await stack.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: await planPrice('pro_monthly') }],
    });
    await stack.stripe.subscriptions.cancel(subscription.id);
    const [deleted] = await eventsOf(customer.id, 'customer.subscription.deleted');
    const [created] = await eventsOf(customer.id, 'customer.subscription.created');
    expect((await deliver(deleted!)).status).toBe(200);
    expect((await deliver(created!)).status).toBe(200);
    expect(await currentSubscription(account.id)).toMatchObject({
      stripeSubscriptionId: null,
      status: 'active',
    });
    expect(
      await stack.knex('subscriptions').where({ stripeSubscriptionId: subscription.id }).first(),
    ).toMatchObject({ status: 'canceled' });
  });

  it('answers 500 when a handler fails, keeps the error, and applies the event when it is delivered again', async () => {
    const { account, customer } = await customerWithCard();
    const product = await stack.stripe.products.create({ name: 'Not in our catalog' });
    const unknownPrice = await stack.stripe.prices.create({
      product: product.id,
      unit_amount: 1234,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    await stack.stripe.subscriptions.create({ customer: customer.id, items: [{ price: unknownPrice.id }] });
    const [created] = await eventsOf(customer.id, 'customer.subscription.created');

    expect((await deliver(created!)).status).toBe(500);
    expect(await stack.knex('stripe_events').where({ id: created!.id }).first()).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.stringContaining('No plan matches'),
    });
    expect(await currentSubscription(account.id)).toMatchObject({ stripeSubscriptionId: null });

    // The catalog learns the price (an admin adds the plan); Stripe's retry now succeeds.
    await stack.knex('plans').insert({
      key: 'legacy_custom',
      name: 'Legacy',
      tier: 'legacy',
      tierRank: 2,
      billingInterval: 'month',
      priceAmount: 1234,
      stripePriceId: unknownPrice.id,
    });
    expect(await deliver(created!)).toEqual({ status: 200, outcome: 'processed' });
    expect(await stack.knex('stripe_events').where({ id: created!.id }).first()).toMatchObject({
      status: 'processed',
      attempts: 2,
      lastError: null,
    });
    expect(await currentSubscription(account.id)).toMatchObject({ status: 'active' });
  });

  it('lets a platform admin list failed events and replay one', async () => {
    const { customer } = await customerWithCard();
    const product = await stack.stripe.products.create({ name: 'Unknown again' });
    const price = await stack.stripe.prices.create({
      product: product.id,
      unit_amount: 777,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    await stack.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const [created] = await eventsOf(customer.id, 'customer.subscription.created');
    expect((await deliver(created!)).status).toBe(500);

    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const log = await stack.app.graphql(
      '{ stripeEvents(status: FAILED) { edges { node { id type status attempts lastError } } } }',
      {},
      admin,
    );
    expect(log.data!.stripeEvents.edges.map((edge: any) => edge.node)).toContainEqual(
      expect.objectContaining({ id: created!.id, status: 'FAILED', attempts: 1 }),
    );

    await stack.knex('plans').insert({
      key: 'another_custom',
      name: 'Another',
      tier: 'legacy',
      tierRank: 2,
      billingInterval: 'month',
      priceAmount: 777,
      stripePriceId: price.id,
    });
    const replayed = await stack.app.graphql(
      'mutation($id: ID!) { replayStripeEvent(id: $id) { status attempts lastError } }',
      { id: created!.id },
      admin,
    );
    expect(replayed.data!.replayStripeEvent).toEqual({ status: 'PROCESSED', attempts: 2, lastError: null });

    const member = { cookie: await sessionCookieFor(await createUser()) };
    expect(
      (await stack.app.graphql('{ stripeEvents { edges { node { id } } } }', {}, member)).errors?.[0]
        ?.extensions.code,
    ).toBe('FORBIDDEN');
  });

  it('ignores, saying why, a Checkout of our customer that we did not open, and the charge it made', async () => {
    const { account, customer } = await customerWithCard();
    const product = await stack.stripe.products.create({ name: 'Sold elsewhere' });
    const price = await stack.stripe.prices.create({
      product: product.id,
      unit_amount: 1500,
      currency: 'usd',
    });
    const session = await stack.stripe.checkout.sessions.create({
      mode: 'payment',
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://example.com/done',
    });
    expect((await submitCheckoutForm(session.url!)).status).toBe(303);
    const [completed] = await eventsOf(customer.id, 'checkout.session.completed');
    const [succeeded] = await eventsOf(customer.id, 'payment_intent.succeeded');

    expect(await deliver(completed!)).toEqual({ status: 200, outcome: 'ignored' });
    expect(await deliver(succeeded!)).toEqual({ status: 200, outcome: 'ignored' });
    expect(await stack.knex('stripe_events').where({ id: completed!.id }).first()).toMatchObject({
      accountId: account.id,
      lastError: `Checkout Session ${session.id} was not opened by us`,
    });
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([]);
  });

  it('ignores events about customers that are not ours', async () => {
    const stranger = await stack.stripe.customers.create({ name: 'Someone else' });
    await stack.stripe.customers.update(stranger.id, { email: 'else@example.com' });
    const [updated] = (await stack.stripe.events.list({ type: 'customer.updated', limit: 100 })).data.filter(
      (event) => (event.data.object as Stripe.Customer).id === stranger.id,
    );
    expect(await deliver(updated!)).toEqual({ status: 200, outcome: 'ignored' });
  });
});
