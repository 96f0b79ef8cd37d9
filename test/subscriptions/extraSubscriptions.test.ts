import type Stripe from 'stripe';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { EXTRA_SUBSCRIPTION_REASON } from '../../server/subscriptions/extraSubscriptions';
import { createMember } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

/**
 * Stripe ends up holding two live subscriptions for one account: our Checkout was paid, and so was one
 * opened elsewhere (a payment link, an old tab from before Checkouts closed each other). Whatever order
 * Stripe's events arrive in, duplicated or at the same moment, the account keeps one subscription; the
 * other is canceled in Stripe, what it charged is refunded, and it is all on the record. Here the test
 * delivers every event itself, in the order it chooses.
 */
const stack = useBillingStack({ webhooks: false });
const time = useFollowingClock();

const START = `mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }`;

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

/** The customer's events Stripe has emitted and the test has not taken yet, oldest first. */
function eventsOf(customerId: string) {
  const taken = new Set<string>();
  return async (): Promise<Stripe.Event[]> => {
    const all = await stack.stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    const fresh = all
      .filter((event) => {
        const object = event.data.object as { id?: string; customer?: string | null };
        return object.customer === customerId || object.id === customerId;
      })
      .filter((event) => !taken.has(event.id))
      .reverse();
    fresh.forEach((event) => taken.add(event.id));
    return fresh;
  };
}

async function deliverAll(events: Stripe.Event[], { twice = false } = {}) {
  for (const event of events) {
    expect((await deliver(event)).status).toBe(200);
    if (twice) expect(await deliver(event)).toEqual({ status: 200, outcome: 'duplicate' });
  }
}

/** Delivers what Stripe emits in answer (the cancellation, the refunds) until it emits nothing new. */
async function deliverFollowUps(next: () => Promise<Stripe.Event[]>) {
  for (let round = 0; round < 10; round += 1) {
    const fresh = await next();
    if (fresh.length === 0) return;
    await deliverAll(fresh, { twice: true });
  }
  throw new Error('Stripe kept emitting events');
}

const planPrice = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()) as { id: string; stripePriceId: string };

/**
 * An owner (whose trial is used up, so each Checkout charges) pays our Checkout for Pro, and a Checkout
 * for Pro opened outside our app. Answers the events of each payment apart.
 */
async function twoPaidCheckouts() {
  const { account, cookie } = await createMember({ role: 'owner' });
  const pro = await planPrice('pro_monthly');
  await stack.knex('subscriptions').insert({
    accountId: account.id,
    planId: pro.id,
    status: 'expired',
    endedAt: new Date(),
    currentPeriodStart: new Date(Date.now() - 86_400_000),
    trialStart: new Date(Date.now() - 86_400_000),
    trialEnd: new Date(),
  });
  const ours = await stack.app.graphql(
    START,
    { input: { accountId: account.id, planId: pro.id } },
    { cookie },
  );
  const { stripeCustomerId } = await stack.knex('accounts').where({ id: account.id }).first();
  const next = eventsOf(stripeCustomerId);
  await next();
  expect((await submitCheckoutForm(ours.data!.startSubscriptionCheckout.url)).status).toBe(303);
  const oursEvents = await next();

  const elsewhere = await stack.stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: stripeCustomerId,
    line_items: [{ price: pro.stripePriceId, quantity: 1 }],
    metadata: { account_id: account.id },
    subscription_data: { metadata: { account_id: account.id } },
    success_url: 'https://partner.example/thanks',
  });
  expect((await submitCheckoutForm(elsewhere.url!)).status).toBe(303);
  const elsewhereEvents = await next();
  return { account, stripeCustomerId, oursEvents, elsewhereEvents, next };
}

/** The books after two subscriptions were paid for and one was undone. */
async function expectOneSubscriptionKept({
  accountId,
  stripeCustomerId,
}: {
  accountId: string;
  stripeCustomerId: string;
}) {
  const inStripe = (await stack.stripe.subscriptions.list({ customer: stripeCustomerId, status: 'all' }))
    .data;
  const live = inStripe.filter((subscription) => subscription.status === 'active');
  const canceled = inStripe.filter((subscription) => subscription.status === 'canceled');
  expect([live.length, canceled.length]).toEqual([1, 1]);

  const rows = await stack.knex('subscriptions').where({ accountId }).whereNotNull('stripeSubscriptionId');
  expect(rows).toHaveLength(2);
  expect(rows.find((row) => row.stripeSubscriptionId === live[0]!.id)).toMatchObject({ status: 'active' });
  expect(rows.find((row) => row.stripeSubscriptionId === canceled[0]!.id)).toMatchObject({
    status: 'canceled',
    cancellationReason: EXTRA_SUBSCRIPTION_REASON,
  });

  // Charged twice in Stripe, refunded once: the extra subscription's charge, in full.
  const charges = (await stack.stripe.charges.list({ customer: stripeCustomerId })).data;
  expect(charges.map((charge) => [charge.amount, charge.amount_refunded]).sort()).toEqual([
    [2999, 0],
    [2999, 2999],
  ]);
  const payments = await stack.knex('payments').where({ accountId }).orderBy('createdAt');
  expect(payments.filter((payment) => payment.type === 'refund')).toEqual([
    expect.objectContaining({ status: 'completed', amount: 2999 }),
  ]);
  const extraRow = rows.find((row) => row.stripeSubscriptionId === canceled[0]!.id);
  expect(payments.filter((payment) => payment.type === 'subscription_payment')).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ status: 'completed', amount: 2999, amountRefunded: 0 }),
      expect.objectContaining({
        status: 'refunded',
        amount: 2999,
        amountRefunded: 2999,
        subscriptionId: extraRow.id,
      }),
    ]),
  );
  expect(await stack.knex('audit_log').where({ accountId, action: 'subscription.extra_canceled' })).toEqual([
    expect.objectContaining({ targetId: extraRow.id, reason: EXTRA_SUBSCRIPTION_REASON }),
  ]);
  expect(
    await stack.knex('notifications').where({ accountId, kind: 'duplicate_subscription_canceled' }),
  ).toEqual([
    expect.objectContaining({ bodyText: expect.stringContaining('$29.99 it charged is refunded') }),
  ]);
  expect(await stack.knex('stripe_events').where({ accountId, status: 'failed' })).toEqual([]);

  // Partners hear of the extra one as it went live and as it was undone, once each, and of its refund.
  const told = await stack.knex('partnerEvents').where({ accountId }).orderBy('sequence');
  expect(told.map((event) => event.sequence)).toEqual(told.map((_event, index) => index + 1));
  expect(
    told
      .filter((event) => event.payload.id === extraRow.id)
      .map((event) => [event.type, event.payload.status]),
  ).toEqual([
    ['subscription.created', 'ACTIVE'],
    ['subscription.canceled', 'CANCELED'],
  ]);
  expect(
    told
      .filter((event) => event.type === 'payment.refunded')
      .map(({ payload }) => [payload.refund.amount, payload.payment.subscriptionId, payload.payment.status]),
  ).toEqual([[{ amount: 2999, currency: 'usd' }, extraRow.id, 'REFUNDED']]);
  return { kept: live[0]!.id, extra: canceled[0]!.id };
}

describe('a second subscription paid for in Stripe', () => {
  it('is undone when its events arrive after ours, each delivered twice', async () => {
    const paid = await twoPaidCheckouts();
    await deliverAll([...paid.oursEvents, ...paid.elsewhereEvents], { twice: true });
    await deliverFollowUps(paid.next);
    const { kept } = await expectOneSubscriptionKept({ accountId: paid.account.id, ...paid });
    const ours = paid.oursEvents.find((event) => event.type === 'checkout.session.completed')!;
    expect(kept).toBe((ours.data.object as Stripe.Checkout.Session).subscription);
  });

  it('is undone when its events arrive first: the one applied first stays', async () => {
    const paid = await twoPaidCheckouts();
    await deliverAll([...paid.elsewhereEvents, ...paid.oursEvents], { twice: true });
    await deliverFollowUps(paid.next);
    const { kept } = await expectOneSubscriptionKept({ accountId: paid.account.id, ...paid });
    const elsewhere = paid.elsewhereEvents.find((event) => event.type === 'checkout.session.completed')!;
    expect(kept).toBe((elsewhere.data.object as Stripe.Checkout.Session).subscription);
  });

  it('is undone when both completions arrive at the same moment', async () => {
    const paid = await twoPaidCheckouts();
    const all = [...paid.oursEvents, ...paid.elsewhereEvents];
    const completions: Stripe.Event[] = all.filter((event) => event.type === 'checkout.session.completed');
    const outcomes = await Promise.all([...completions, ...completions].map((event) => deliver(event)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual([200, 200, 200, 200]);
    await deliverAll(all.filter((event) => !completions.includes(event)));
    await deliverFollowUps(paid.next);
    await expectOneSubscriptionKept({ accountId: paid.account.id, ...paid });

    // Every event, delivered again late, changes nothing.
    await deliverAll(all);
    await expectOneSubscriptionKept({ accountId: paid.account.id, ...paid });
  });
});

describe('a subscription replaced here but still live in Stripe', () => {
  it('is canceled calmly when its renewal arrives, and what it charged since is refunded', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const next = eventsOf(subscribed.customer.id);
    await deliverAll(await next());
    const { accountId } = { accountId: subscribed.account.id };
    expect(
      await stack.knex('subscriptions').where({ stripeSubscriptionId: subscribed.subscription.id }).first(),
    ).toMatchObject({ status: 'active' });
    // What the account was left with before, five days in: the Stripe subscription ended here as
    // "replaced" by a lifetime plan bought through Checkout, while Stripe went on billing it.
    await subscribed.advanceTo(new Date(Date.UTC(2026, 0, 20, 12)));
    const lifetime = await planPrice('pro_lifetime');
    await stack.knex.transaction(async (trx) => {
      await trx('subscriptions')
        .where({ stripeSubscriptionId: subscribed.subscription.id })
        .update({ status: 'canceled', endedAt: time.clock.now(), cancellationReason: 'replaced' });
      await trx('subscriptions').insert({
        accountId,
        planId: lifetime.id,
        status: 'active',
        currentPeriodStart: time.clock.now(),
        currentPeriodEnd: null,
      });
    });

    await subscribed.advanceTo(new Date(Date.UTC(2026, 1, 15, 14)));
    await deliverAll(await next(), { twice: true });
    await deliverFollowUps(next);

    expect((await stack.stripe.subscriptions.retrieve(subscribed.subscription.id)).status).toBe('canceled');
    const charges = (await stack.stripe.charges.list({ customer: subscribed.customer.id })).data;
    // January's charge stays; February's renewal, made after it was replaced here, is refunded.
    expect(charges.map((charge) => [charge.created, charge.amount, charge.amount_refunded]).sort()).toEqual([
      [expect.any(Number), 2999, 0],
      [expect.any(Number), 2999, 2999],
    ]);
    expect(charges.find((charge) => charge.amount_refunded === 0)!.created).toBeLessThan(
      charges.find((charge) => charge.amount_refunded > 0)!.created,
    );
    expect(await stack.knex('stripe_events').where({ status: 'failed' })).toEqual([]);
    expect(
      await stack
        .knex('subscriptions')
        .where({ accountId })
        .whereIn('status', ['trialing', 'active', 'past_due'])
        .select('planId'),
    ).toEqual([{ planId: lifetime.id }]);
    expect(
      await stack.knex('audit_log').where({ accountId, action: 'subscription.extra_canceled' }),
    ).toHaveLength(1);
  });
});
