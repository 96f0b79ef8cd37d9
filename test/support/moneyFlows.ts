import type Stripe from 'stripe';
import { systemActor } from '../../server/auth/actor';
import type { ManualClock } from '../../server/clock';
import { grantCredits } from '../../server/credits/grants';
import { holdAt } from '../../server/faultPoints';
import { advanceTestClock, submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, createPartnerKey, createUser, sessionCookieFor } from '../factories';
import type { BillingStack } from './billingStack';
import { eventsAfter, newestEventId, type Delivery } from './eventPermutations';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock } from './subscribedAccount';
import type { Caller } from './testApp';

/**
 * Money flows walked as a customer and Stripe would, on a stack whose emulator does not deliver by
 * itself: each returns the events Stripe emitted for it, for the test to deliver as it pleases.
 */

export interface Flow {
  account: { id: string };
  stripeCustomerId: string;
  stripePaymentIntentId: string;
  events: Stripe.Event[];
}

/** A customer buys a credit package through Checkout; then, if asked, refunds are made in Stripe's dashboard. */
export async function creditPurchase({
  stack,
  packageKey,
  refunds = [],
}: {
  stack: BillingStack;
  packageKey: string;
  refunds?: Array<number | undefined>;
}): Promise<Flow> {
  const mark = await newestEventId(stack.stripe);
  const { account, cookie } = await createMember({ role: 'owner' });
  const creditPackageId = (await stack.knex('credit_packages').where({ key: packageKey }).first()).id;
  const started = await stack.app.graphql(
    'mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url checkoutSession { id } } }',
    { input: { accountId: account.id, creditPackageId } },
    { cookie },
  );
  const { url, checkoutSession } = started.data!.startCreditPackageCheckout;
  expect((await submitCheckoutForm(url)).status).toBe(303);
  const { stripeCheckoutSessionId } = await stack
    .knex('checkout_sessions')
    .where({ id: checkoutSession.id })
    .first();
  const session = await stack.stripe.checkout.sessions.retrieve(stripeCheckoutSessionId);
  const stripePaymentIntentId = session.payment_intent as string;
  for (const amount of refunds)
    await stack.stripe.refunds.create({ payment_intent: stripePaymentIntentId, amount });
  return {
    account,
    stripeCustomerId: session.customer as string,
    stripePaymentIntentId,
    events: await eventsAfter(stack.stripe, mark),
  };
}

/** A customer with a card subscribes (charged at once); then, if asked, refunds are made in Stripe's dashboard. */
export async function subscriptionCharge({
  stack,
  planKey,
  refunds = [],
}: {
  stack: BillingStack;
  planKey: string;
  refunds?: Array<number | undefined>;
}): Promise<Flow & { stripeInvoiceId: string }> {
  const mark = await newestEventId(stack.stripe);
  const { account } = await createMember({ role: 'owner' });
  const customer = await stack.stripe.customers.create({
    name: 'Subscriber',
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  const card = await stack.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stack.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
  const price = (await stack.knex('plans').where({ key: planKey, active: true }).first()).stripePriceId;
  const subscription = await stack.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price }],
    metadata: { account_id: account.id },
  });
  const invoice = await stack.stripe.invoices.retrieve(subscription.latest_invoice as string, {
    expand: ['payments'],
  });
  const stripePaymentIntentId = invoice.payments!.data[0]!.payment.payment_intent as string;
  for (const amount of refunds)
    await stack.stripe.refunds.create({ payment_intent: stripePaymentIntentId, amount });
  return {
    account,
    stripeCustomerId: customer.id,
    stripePaymentIntentId,
    stripeInvoiceId: invoice.id,
    events: await eventsAfter(stack.stripe, mark),
  };
}

const REFUND_EVENTS = ['refund.created', 'charge.refunded', 'refund.updated', 'charge.refund.updated'];

export const isRefundEvent = (event: Stripe.Event) => REFUND_EVENTS.includes(event.type);

/**
 * What our books say about one account, in terms that do not depend on ids or clocks: its payments and
 * refunds, its ledger in order, its balance, its invoices, its subscriptions and the usage overage billed.
 */
export async function booksOf(stack: BillingStack, accountId: string) {
  const payments = await stack
    .knex('payments')
    .where({ accountId })
    // Every field compared is in the order, so rows that tie look the same: a renewal's payment and the
    // first one may differ only in status, and Postgres returns ties in whatever order its heap holds.
    .orderByRaw(
      `type, amount, amount_refunded, status, currency, credits, stripe_payment_intent_id is null,
       invoice_id is null, subscription_id is null`,
    );
  const ledger = await stack.knex('credit_ledger_entries').where({ accountId }).orderBy('id');
  const invoices = await stack
    .knex('invoices')
    .where({ accountId })
    .orderByRaw('total, status, amount_paid, subscription_id is null');
  const overage = await stack.knex('usage_overage_charges').where({ accountId }).orderBy('periodStart');
  const subscriptions = await stack
    .knex('subscriptions')
    .join('plans', 'plans.id', 'subscriptions.planId')
    .where('subscriptions.accountId', accountId)
    .orderBy('subscriptions.createdAt')
    .select('plans.key', 'subscriptions.status', 'subscriptions.stripeSubscriptionId');
  return {
    payments: payments.map((payment) => ({
      type: payment.type,
      status: payment.status,
      amount: payment.amount,
      amountRefunded: payment.amountRefunded,
      currency: payment.currency,
      credits: payment.credits,
      paymentIntent: payment.stripePaymentIntentId !== null,
      invoice: payment.invoiceId !== null,
      subscription: payment.subscriptionId !== null,
    })),
    ledger: ledger.map((entry) => [entry.entryType, entry.amount, entry.balanceAfter]),
    balance: (await stack.knex('credit_balances').where({ accountId }).first())?.balance ?? 0,
    invoices: invoices.map((invoice) => [
      invoice.status,
      invoice.total,
      invoice.amountPaid,
      Boolean(invoice.subscriptionId),
    ]),
    subscriptions: subscriptions.map((row) => [row.key, row.status, Boolean(row.stripeSubscriptionId)]),
    usageOverage: overage.map((charge) => [charge.quantity, charge.amount, Boolean(charge.stripeInvoiceId)]),
  };
}

/** The events of a flow that did not end processed or ignored (failed, or never applied). */
export async function unappliedEvents(stack: BillingStack, events: Stripe.Event[]) {
  const rows = await stack
    .knex('stripe_events')
    .whereIn(
      'id',
      events.map((event) => event.id),
    )
    .select('id', 'type', 'status', 'lastError');
  const applied = new Set(
    rows.filter((row) => row.status !== 'failed' && row.status !== 'received').map((row) => row.id),
  );
  return events
    .filter((event) => !applied.has(event.id))
    .map((event) => ({
      type: event.type,
      row: rows.find((row) => row.id === event.id),
    }));
}

/**
 * The flows below are walked as a customer (through our GraphQL API) and Stripe (through the SDK, its
 * test clocks moving time) would walk them. What a flow needs applied before its step under test (the
 * subscription an upgrade changes) it delivers in order first; the events of that step it returns, or
 * hands to `byPlan` when Stripe goes on only after they reached us. Each resets the clock to the same
 * start, so every trial makes the same events at the same times.
 */
export interface WalkedFlow {
  account: { id: string };
  events: Stripe.Event[];
}

const CHECKOUT = `mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }`;
const CHANGE_PLAN = `mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind } }`;
const CHANGE_SEATS = `mutation($input: ChangeSeatsInput!) { changeSeats(input: $input) { kind } }`;
const FEB_15_2026 = new Date(Date.UTC(2026, 1, 15, 12));
const HOUR_MS = 3_600_000;

const planId = async (stack: BillingStack, key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;

/** Runs `step` and returns the events Stripe emitted meanwhile. */
async function eventsOf(stack: BillingStack, step: () => Promise<unknown>): Promise<Stripe.Event[]> {
  const mark = await newestEventId(stack.stripe);
  await step();
  return eventsAfter(stack.stripe, mark);
}

/** Runs `step` and has its events applied, in order, before the flow goes on. */
async function setUp<Result>(stack: BillingStack, delivery: Delivery, step: () => Promise<Result>) {
  let result!: Result;
  await delivery.inOrder(await eventsOf(stack, async () => (result = await step())));
  return result;
}

async function graphqlAs(stack: BillingStack, query: string, input: object, caller: Caller) {
  const { data, errors } = await stack.app.graphql(query, { input }, caller);
  expect(errors).toBeUndefined();
  return data!;
}

/** A new owner whose Stripe customer (made now) follows a test clock, and a way to move both clocks. */
async function ownerOnTestClock(stack: BillingStack, clock: ManualClock) {
  const { account, cookie } = await createMember({ role: 'owner' });
  const testClock = await stack.stripe.testHelpers.testClocks.create({
    frozen_time: Math.floor(clock.now().getTime() / 1000),
  });
  const customer = await stack.stripe.customers.create({
    name: account.name,
    test_clock: testClock.id,
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  const advanceTo = async (time: Date) => {
    clock.set(time);
    await advanceTestClock(stack.stripe, testClock.id, Math.floor(time.getTime() / 1000));
  };
  return { account, cookie, advanceTo };
}

/** Subscribes through our Checkout, paying with the emulator's default card; its events are one stage. */
async function checkOut(stack: BillingStack, delivery: Delivery, input: object, caller: Caller) {
  await delivery.byPlan(
    await eventsOf(stack, async () => {
      const { startSubscriptionCheckout } = await graphqlAs(stack, CHECKOUT, input, caller);
      expect((await submitCheckoutForm(startSubscriptionCheckout.url)).status).toBe(303);
    }),
  );
}

/**
 * A new owner subscribes to Pro through our Checkout, with the plan's 14-day trial (those events are one
 * stage, delivered days before the trial ends); then the trial ends and the card pays the first invoice.
 */
export async function subscriptionCheckout({
  stack,
  clock,
  delivery,
}: {
  stack: BillingStack;
  clock: ManualClock;
  delivery: Delivery;
}): Promise<WalkedFlow> {
  clock.set(JAN_15_2026);
  const owner = await setUp(stack, delivery, () => ownerOnTestClock(stack, clock));
  const input = { accountId: owner.account.id, planId: await planId(stack, 'pro_monthly') };
  await checkOut(stack, delivery, input, owner);
  const trialEnd = new Date(JAN_15_2026.getTime() + 14 * DAY_MS);
  const events = await eventsOf(stack, () => owner.advanceTo(new Date(trialEnd.getTime() + 2 * HOUR_MS)));
  return { account: owner.account, events };
}

/**
 * A card-less Starter trial, converted to Pro through Checkout two days in (the trial keeps its days;
 * those events are one stage), then the trial ends and the card pays the first Pro invoice.
 */
export async function trialConversion({
  stack,
  clock,
  delivery,
}: {
  stack: BillingStack;
  clock: ManualClock;
  delivery: Delivery;
}): Promise<WalkedFlow> {
  clock.set(JAN_15_2026);
  const owner = await setUp(stack, delivery, async () => {
    const owner = await ownerOnTestClock(stack, clock);
    const trial = { accountId: owner.account.id, planId: await planId(stack, 'starter_monthly') };
    await graphqlAs(
      stack,
      `mutation($input: StartTrialInput!) { startTrial(input: $input) { subscription { status } } }`,
      trial,
      owner,
    );
    await owner.advanceTo(new Date(JAN_15_2026.getTime() + 2 * DAY_MS));
    return owner;
  });
  const input = { accountId: owner.account.id, planId: await planId(stack, 'pro_monthly') };
  await checkOut(stack, delivery, input, owner);
  const trialEnd = new Date(JAN_15_2026.getTime() + 7 * DAY_MS);
  const events = await eventsOf(stack, () => owner.advanceTo(new Date(trialEnd.getTime() + 2 * HOUR_MS)));
  return { account: owner.account, events };
}

/** A Pro subscriber upgrades to Max halfway through the period: the proration is charged at once. */
export async function upgrade({
  stack,
  clock,
  delivery,
}: {
  stack: BillingStack;
  clock: ManualClock;
  delivery: Delivery;
}): Promise<WalkedFlow> {
  clock.set(JAN_15_2026);
  const subscribed = await setUp(stack, delivery, async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock, planKey: 'pro_monthly' });
    await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 15.5 * DAY_MS));
    return subscribed;
  });
  const input = { accountId: subscribed.account.id, planId: await planId(stack, 'max_monthly') };
  const events = await eventsOf(stack, () => graphqlAs(stack, CHANGE_PLAN, input, subscribed));
  return { account: subscribed.account, events };
}

/**
 * A team of five seats a quarter into the period goes to eight (charged at once), then down to three
 * (credited toward the next invoice).
 */
export async function seatChanges({
  stack,
  clock,
  delivery,
}: {
  stack: BillingStack;
  clock: ManualClock;
  delivery: Delivery;
}): Promise<WalkedFlow> {
  clock.set(JAN_15_2026);
  const team = await setUp(stack, delivery, async () => {
    const team = await subscribeOnTestClock({
      stack,
      clock,
      planKey: 'team_monthly',
      seats: 5,
      members: 2,
    });
    await team.advanceTo(new Date(JAN_15_2026.getTime() + 7.75 * DAY_MS));
    return team;
  });
  const events = await eventsOf(stack, async () => {
    await graphqlAs(stack, CHANGE_SEATS, { accountId: team.account.id, seats: 8 }, team);
    await graphqlAs(stack, CHANGE_SEATS, { accountId: team.account.id, seats: 3 }, team);
  });
  return { account: team.account, events };
}

/**
 * A Pro subscriber uses 1,250 API calls and renews: the renewal's draft invoice (a stage: we add the
 * overage to it before Stripe finalizes it an hour later), then its finalization and payment.
 */
export async function renewalWithOverage({
  stack,
  clock,
  delivery,
}: {
  stack: BillingStack;
  clock: ManualClock;
  delivery: Delivery;
}): Promise<WalkedFlow> {
  clock.set(JAN_15_2026);
  const subscribed = await setUp(stack, delivery, () =>
    subscribeOnTestClock({ stack, clock, planKey: 'pro_monthly' }),
  );
  const partner = (await createPartnerKey({ scopes: ['usage:write'] })).secret;
  clock.set(new Date(JAN_15_2026.getTime() + 6 * HOUR_MS));
  for (const [quantity, hours] of [
    [700, 1],
    [550, 5],
  ] as const) {
    const usage = {
      events: [
        {
          externalId: subscribed.account.externalId,
          meterKey: 'api_calls',
          quantity,
          occurredAt: new Date(JAN_15_2026.getTime() + hours * HOUR_MS).toISOString(),
          idempotencyKey: `calls-${hours}`,
        },
      ],
    };
    const { recordUsage } = await graphqlAs(
      stack,
      'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted } }',
      usage,
      { apiKey: partner },
    );
    expect(recordUsage.accepted).toBe(1);
  }
  await delivery.byPlan(
    await eventsOf(stack, () => subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 5 * 60_000))),
  );
  const events = await eventsOf(stack, () =>
    subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * HOUR_MS)),
  );
  return { account: subscribed.account, events };
}

/**
 * A Pro subscriber's card starts failing and the renewal fails. Left alone, Stripe retries it three times
 * over a week and, when the last retry fails, cancels the subscription; with `newCard`, a working card is
 * set on the subscription in Stripe's dashboard after the failure and Stripe's first retry, three days
 * later, pays. The draft is a stage of its own, as above.
 */
export async function dunning({
  stack,
  clock,
  delivery,
  newCard = false,
}: {
  stack: BillingStack;
  clock: ManualClock;
  delivery: Delivery;
  newCard?: boolean;
}): Promise<WalkedFlow> {
  clock.set(JAN_15_2026);
  const subscribed = await setUp(stack, delivery, async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock, planKey: 'pro_monthly' });
    const failing = await stack.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
      customer: subscribed.customer.id,
    });
    await stack.stripe.customers.update(subscribed.customer.id, {
      invoice_settings: { default_payment_method: failing.id },
    });
    return subscribed;
  });
  await delivery.byPlan(
    await eventsOf(stack, () => subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 5 * 60_000))),
  );
  const events = await eventsOf(stack, async () => {
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * HOUR_MS));
    if (newCard) {
      const card = await stack.stripe.paymentMethods.attach('pm_card_visa', {
        customer: subscribed.customer.id,
      });
      await stack.stripe.subscriptions.update(subscribed.subscription.id, {
        default_payment_method: card.id,
      });
    }
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 8 * DAY_MS));
  });
  return { account: subscribed.account, events };
}

/**
 * Automatic top-up below 100 credits: a consumption from 150 to 90 credits makes it buy 500 credits for
 * $20, off-session, in the background (awaited here at its last step, not by time).
 */
export async function autoTopUp({
  stack,
  delivery,
}: {
  stack: BillingStack;
  delivery: Delivery;
}): Promise<WalkedFlow> {
  const { account, cookie } = await setUp(stack, delivery, async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const customer = await stack.stripe.customers.create({
      name: account.name,
      metadata: { account_id: account.id },
    });
    await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
    await stack.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    return { account, cookie };
  });
  const creditPackageId = (await stack.knex('credit_packages').where({ key: 'auto_top_up_500' }).first())
    .id as string;
  await graphqlAs(
    stack,
    'mutation($input: UpdateAutoTopUpInput!) { updateAutoTopUp(input: $input) { enabled } }',
    { accountId: account.id, enabled: true, thresholdMilliCredits: 100_000, creditPackageId },
    { cookie },
  );
  await grantCredits({
    actor: systemActor('test'),
    accountId: account.id,
    source: 'promotion',
    amount: 150_000,
    idempotencyKey: 'welcome',
  });
  const partner = (await createPartnerKey({ scopes: ['credits:write'], accountId: account.id })).secret;
  const events = await eventsOf(stack, async () => {
    const toppedUp = holdAt('autoTopUp.afterCommit');
    const consumed = await graphqlAs(
      stack,
      'mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }',
      { accountId: account.id, amountMilliCredits: 60_000, idempotencyKey: 'below' },
      { apiKey: partner },
    );
    expect(consumed.consumeCredits.balanceAfterMilliCredits).toBe(90_000);
    await toppedUp.reached;
    toppedUp.release();
  });
  return { account, events };
}

/**
 * 1,000 credits bought for $18, 200 of them spent; a platform admin refunds $4.50 here (a quarter of the
 * credits clawed back), then $9 more is refunded in Stripe's dashboard (half of them).
 */
export async function refundsHereAndInStripe({
  stack,
  delivery,
}: {
  stack: BillingStack;
  delivery: Delivery;
}): Promise<WalkedFlow> {
  const purchase = await creditPurchase({ stack, packageKey: 'credits_1000' });
  await delivery.inOrder(purchase.events);
  const partner = (await createPartnerKey({ scopes: ['credits:write'], accountId: purchase.account.id }))
    .secret;
  await graphqlAs(
    stack,
    'mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }',
    { accountId: purchase.account.id, amountMilliCredits: 200_000, idempotencyKey: 'spend' },
    { apiKey: partner },
  );
  const payment = await stack
    .knex('payments')
    .where({ accountId: purchase.account.id, type: 'credit_top_up' })
    .first();
  const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
  const events = await eventsOf(stack, async () => {
    await graphqlAs(
      stack,
      'mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { status } }',
      { paymentId: payment.id, amount: 450, reason: 'goodwill' },
      admin,
    );
    await stack.stripe.refunds.create({ payment_intent: purchase.stripePaymentIntentId, amount: 900 });
  });
  return { account: purchase.account, events };
}

/**
 * A Pro subscriber's first charge, then a platform admin refunds $10 of it here and $5 more is refunded
 * in Stripe's dashboard.
 */
export async function subscriptionRefundsHereAndInStripe({
  stack,
  delivery,
}: {
  stack: BillingStack;
  delivery: Delivery;
}): Promise<WalkedFlow> {
  const charged = await subscriptionCharge({ stack, planKey: 'pro_monthly' });
  await delivery.inOrder(charged.events);
  const payment = await stack
    .knex('payments')
    .where({ accountId: charged.account.id, type: 'subscription_payment' })
    .first();
  const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
  const events = await eventsOf(stack, async () => {
    await graphqlAs(
      stack,
      'mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { status } }',
      { paymentId: payment.id, amount: 1000, reason: 'goodwill' },
      admin,
    );
    await stack.stripe.refunds.create({ payment_intent: charged.stripePaymentIntentId, amount: 500 });
  });
  return { account: charged.account, events };
}

/** A walked flow as the property runs it: its events, and the account's books with what was not applied. */
export function withBooks(stack: BillingStack, walk: (delivery: Delivery) => Promise<WalkedFlow>) {
  return async (delivery: Delivery) => {
    const flow = await walk(delivery);
    return {
      events: flow.events,
      books: async () => ({
        ...(await booksOf(stack, flow.account.id)),
        unapplied: await unappliedEvents(stack, flow.events),
      }),
    };
  };
}
