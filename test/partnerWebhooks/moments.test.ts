import { submitPortalCardForm, TEST_CARDS } from '../../server/stripe-emulator/testing';
import {
  applyScheduledPlanChanges,
  notifyTrialsEnding,
  SCHEDULED_CHANGE_LEAD_MS,
} from '../../server/subscriptions/lifecycleJobs';
import { MAX_CONSECUTIVE_FAILURES, triggerAutoTopUp } from '../../server/credits/autoTopUp';
import { forgetHandledWarnings } from '../../server/entitlements/softLimits';
import { createAccount, createMember, createPartnerKey, grantTestCredits, unique } from '../factories';
import { accountWithAutoTopUp } from '../support/autoTopUpAccount';
import { useBillingStack } from '../support/billingStack';
import { expectInSequence, usePartnerReceiver } from '../support/partnerReceiver';
import { deliverEvent, eventsAfter, newestEventId } from '../support/eventPermutations';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

/**
 * The events naming moments: a subscription's (trial started and ending, past due, activated, plan
 * changed, change scheduled, resumed), an invoice's (created, finalized, voided), a payment's and an
 * automatic top-up's. Each is walked as the customer, Stripe and the clock make it, delivered to a
 * receiver that verifies it with the standardwebhooks package, and told once however often Stripe
 * delivers what caused it or a job runs again.
 */
const stack = useBillingStack();
const time = useFollowingClock();
const partner = usePartnerReceiver();
const planId = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;
const FEB_15_2026 = new Date(Date.UTC(2026, 1, 15, 12));
const CHANGE_PLAN = `mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind } }`;
const UNDO = `mutation($input: AccountActionInput!) { cancelScheduledPlanChange(input: $input) { subscription { id } } }`;

/** What the receiver got for the account: in sequence from 1, with no gap and none twice. */
async function receivedInSequence(accountId: string) {
  await partner.run();
  const events = partner.receivedBy(accountId);
  expectInSequence(events);
  return events;
}

/** Stripe delivers every event since `mark` again: no partner event is written. */
async function expectRedeliveryTellsNothing(accountId: string, mark: string | null) {
  const count = await stack.knex('partnerEvents').where({ accountId }).count();
  for (const event of await eventsAfter(stack.stripe, mark))
    expect(await deliverEvent(stack, event)).toBe(200);
  expect(await stack.knex('partnerEvents').where({ accountId }).count()).toEqual(count);
}

/**
 * A Pro trial in Stripe whose card is declined when the trial ends; the customer saves a new card in the
 * billing portal, which pays the open invoice. Then Stripe delivers every event of it again.
 */
async function declinedAfterTrialThenPaid() {
  const mark = await newestEventId(stack.stripe);
  const subscribed = await subscribeOnTestClock({
    stack,
    clock: time.clock,
    planKey: 'pro_monthly',
    paymentMethod: 'pm_card_chargeCustomerFail',
    trialDays: 5,
  });
  const trialEnd = new Date(JAN_15_2026.getTime() + 5 * DAY_MS);
  await subscribed.advanceTo(new Date(trialEnd.getTime() - 2 * DAY_MS));
  await subscribed.advanceTo(new Date(trialEnd.getTime() + 2 * 3_600_000));
  const portal = await stack.app.graphql(
    'mutation($input: OpenBillingPortalInput!) { openBillingPortal(input: $input) { url } }',
    { input: { accountId: subscribed.account.id, returnPath: '/billing' } },
    { cookie: await subscribed.signInAgain() },
  );
  expect(portal.errors).toBeUndefined();
  const saved = await submitPortalCardForm(portal.data!.openBillingPortal.url, { card: TEST_CARDS.succeeds });
  expect(saved.status).toBe(200);
  await stack.settle();
  await expectRedeliveryTellsNothing(subscribed.account.id, mark);
  return { subscribed, trialEnd };
}

const subscriptionMoments = (events: Array<{ type: string; data: any }>) =>
  events
    .filter((event) => event.type.startsWith('subscription.') && event.data.plan?.key !== 'free')
    .map((event) => [event.type, event.data.status]);

describe('a trial Stripe runs', () => {
  it('tells of the trial, its end coming, the failed payment and the subscription paid again, once each', async () => {
    const { subscribed, trialEnd } = await declinedAfterTrialThenPaid();

    const events = await receivedInSequence(subscribed.account.id);
    expect(subscriptionMoments(events)).toEqual([
      ['subscription.created', 'TRIALING'],
      ['subscription.trial_started', 'TRIALING'],
      ['subscription.trial_ending', 'TRIALING'],
      ['subscription.updated', 'PAST_DUE'],
      ['subscription.past_due', 'PAST_DUE'],
      ['subscription.updated', 'ACTIVE'],
      ['subscription.activated', 'ACTIVE'],
    ]);
    expect(events.find((event) => event.type === 'subscription.trial_ending')!.data).toMatchObject({
      plan: { key: 'pro_monthly' },
      trialEnd: trialEnd.toISOString(),
    });
  });
});

describe('a trial without a card', () => {
  it('warns of its end once, however often the job runs', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      'mutation($input: StartTrialInput!) { startTrial(input: $input) { subscription { status } } }',
      { input: { accountId: account.id, planId: await planId('starter_monthly') } },
      { cookie },
    );
    expect(started.errors).toBeUndefined();
    await notifyTrialsEnding();
    time.clock.set(new Date(JAN_15_2026.getTime() + 5 * DAY_MS));
    await notifyTrialsEnding();
    await notifyTrialsEnding();

    const events = await receivedInSequence(account.id);
    expect(subscriptionMoments(events)).toEqual([
      ['subscription.created', 'TRIALING'],
      ['subscription.trial_started', 'TRIALING'],
      ['subscription.trial_ending', 'TRIALING'],
    ]);
  });
});

describe('plan changes', () => {
  it('an upgrade is told as the plan changed, with the plan it left, once however often Stripe tells us', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 10 * DAY_MS));
    const mark = await newestEventId(stack.stripe);
    const changed = await stack.app.graphql(
      CHANGE_PLAN,
      { input: { accountId: subscribed.account.id, planId: await planId('max_monthly') } },
      { cookie: await subscribed.signInAgain() },
    );
    expect(changed.data!.changePlan).toEqual({ kind: 'UPGRADE' });
    await stack.settle();
    await expectRedeliveryTellsNothing(subscribed.account.id, mark);

    const events = await receivedInSequence(subscribed.account.id);
    const moments = events.filter((event) => event.data.plan?.key === 'max_monthly');
    expect(moments.map((event) => event.type)).toEqual(['subscription.updated', 'subscription.plan_changed']);
    expect(moments[1]!.data).toMatchObject({
      status: 'ACTIVE',
      plan: { key: 'max_monthly' },
      previousPlan: { key: 'pro_monthly' },
      scheduledChange: null,
    });
  });

  it('a downgrade is told when scheduled, when taken back, and when it takes effect', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'max_monthly' });
    const input = { accountId: subscribed.account.id, planId: await planId('pro_monthly') };
    const change = () => stack.app.graphql(CHANGE_PLAN, { input }, { cookie: subscribed.cookie });
    expect((await change()).data!.changePlan).toEqual({ kind: 'DOWNGRADE' });
    const undo = () =>
      stack.app.graphql(UNDO, { input: { accountId: subscribed.account.id } }, { cookie: subscribed.cookie });
    expect((await undo()).errors).toBeUndefined();
    expect((await undo()).errors).toBeUndefined();
    expect((await change()).data!.changePlan).toEqual({ kind: 'DOWNGRADE' });

    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() - SCHEDULED_CHANGE_LEAD_MS + 60_000));
    expect(await applyScheduledPlanChanges()).toBe(1);
    expect(await applyScheduledPlanChanges()).toBe(0);
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * 3_600_000));

    const events = await receivedInSequence(subscribed.account.id);
    const told = events
      .filter((event) => event.type.startsWith('subscription.') && event.data.plan.key !== 'free')
      .map((event) => [event.type, event.data.plan.key, event.data.scheduledChange?.plan.key ?? null]);
    expect(told).toEqual([
      ['subscription.created', 'max_monthly', null],
      ['subscription.updated', 'max_monthly', 'pro_monthly'],
      ['subscription.change_scheduled', 'max_monthly', 'pro_monthly'],
      ['subscription.updated', 'max_monthly', null],
      ['subscription.updated', 'max_monthly', 'pro_monthly'],
      ['subscription.change_scheduled', 'max_monthly', 'pro_monthly'],
      ['subscription.updated', 'max_monthly', null],
      ['subscription.updated', 'pro_monthly', null],
      ['subscription.plan_changed', 'pro_monthly', null],
      ['subscription.updated', 'pro_monthly', null],
    ]);
    expect(events.find((event) => event.type === 'subscription.change_scheduled')!.data).toMatchObject({
      scheduledChange: { plan: { key: 'pro_monthly' }, quantity: 1, effectiveAt: FEB_15_2026.toISOString() },
    });
  });
});

describe('invoices', () => {
  it('a renewal declined then paid is told as created, finalized, failed and paid, in order, once each', async () => {
    const { subscribed } = await declinedAfterTrialThenPaid();

    const events = await receivedInSequence(subscribed.account.id);
    const renewal = events.filter(
      (event) => event.type.startsWith('invoice.') && event.data.total.amount === 2999,
    );
    // Each carries the invoice as it stood when its Stripe event was applied: a draft finalized within
    // the same clock advance is first seen open.
    expect(renewal.map((event) => [event.type, event.data.status])).toEqual([
      ['invoice.created', 'OPEN'],
      ['invoice.finalized', 'OPEN'],
      ['invoice.payment_failed', 'OPEN'],
      ['invoice.paid', 'PAID'],
    ]);
    expect(new Set(renewal.map((event) => event.data.id)).size).toBe(1);
    expect(renewal[1]!.data.number).toEqual(expect.any(String));
  });

  it('an invoice made, finalized and voided in Stripe is told at each step, once', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const mark = await newestEventId(stack.stripe);
    await stack.stripe.invoiceItems.create({
      customer: subscribed.customer.id,
      amount: 1234,
      currency: 'usd',
    });
    const draft = await stack.stripe.invoices.create({
      customer: subscribed.customer.id,
      pending_invoice_items_behavior: 'include',
      collection_method: 'send_invoice',
      days_until_due: 30,
    });
    await stack.settle();
    await stack.stripe.invoices.finalizeInvoice(draft.id!);
    await stack.settle();
    await stack.stripe.invoices.voidInvoice(draft.id!);
    await stack.settle();
    await expectRedeliveryTellsNothing(subscribed.account.id, mark);

    const events = await receivedInSequence(subscribed.account.id);
    const told = events.filter(
      (event) => event.type.startsWith('invoice.') && event.data.total.amount === 1234,
    );
    expect(told.map((event) => [event.type, event.data.status])).toEqual([
      ['invoice.created', 'DRAFT'],
      ['invoice.finalized', 'OPEN'],
      ['invoice.voided', 'VOID'],
    ]);
  });
});

describe('payments and automatic top-up', () => {
  it('a top-up charged is told as the payment, its credits and the top-up, once however often it is triggered', async () => {
    const mark = await newestEventId(stack.stripe);
    const { account } = await accountWithAutoTopUp(stack, 'pm_card_visa');
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () => triggerAutoTopUp({ accountId: account.id })),
    );
    expect(attempts.filter(Boolean)).toHaveLength(1);
    await stack.settle();
    await expectRedeliveryTellsNothing(account.id, mark);

    const events = await receivedInSequence(account.id);
    expect(events.slice(2).map((event) => event.type)).toEqual([
      'payment.succeeded',
      'credits.granted',
      'credits.auto_top_up_succeeded',
    ]);
    expect(events[2]!.data).toMatchObject({
      type: 'CREDIT_TOP_UP',
      status: 'COMPLETED',
      automatic: true,
      amount: { amount: 2000, currency: 'usd' },
      milliCredits: 500_000,
      failureReason: null,
    });
    expect(events[4]!.data).toEqual({
      payment: events[2]!.data,
      autoTopUp: {
        enabled: true,
        thresholdMilliCredits: 100_000,
        consecutiveFailures: 0,
        disabledReason: null,
      },
    });
  });

  it('top-ups declined are told each, and the last one as switching automatic top-up off', async () => {
    const mark = await newestEventId(stack.stripe);
    const { account } = await accountWithAutoTopUp(stack, 'pm_card_chargeCustomerFail');
    for (let attempt = 1; attempt <= MAX_CONSECUTIVE_FAILURES; attempt += 1)
      expect(await triggerAutoTopUp({ accountId: account.id })).toMatchObject({ status: 'failed' });
    expect(await triggerAutoTopUp({ accountId: account.id })).toBeNull();
    await stack.settle();
    await expectRedeliveryTellsNothing(account.id, mark);

    const events = await receivedInSequence(account.id);
    expect(events.slice(2).map((event) => [event.type, event.data.autoTopUp?.consecutiveFailures])).toEqual([
      ['payment.failed', undefined],
      ['credits.auto_top_up_failed', 1],
      ['payment.failed', undefined],
      ['credits.auto_top_up_failed', 2],
      ['payment.failed', undefined],
      ['credits.auto_top_up_failed', 3],
      ['credits.auto_top_up_disabled', 3],
    ]);
    expect(events.at(-1)!.data.autoTopUp).toMatchObject({
      enabled: false,
      disabledReason: expect.stringContaining('Switched off after 3 failed payments'),
    });
    expect(events[2]!.data).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringMatching(/declined/i),
    });
  });

  it('a renewal paid by card is told as a payment once; its failed attempt before as a failed payment', async () => {
    const { subscribed } = await declinedAfterTrialThenPaid();
    const events = await receivedInSequence(subscribed.account.id);
    const payments = events.filter((event) => event.type.startsWith('payment.'));
    expect(payments.map((event) => [event.type, event.data.status, event.data.amount.amount])).toEqual([
      ['payment.failed', 'FAILED', 2999],
      ['payment.succeeded', 'COMPLETED', 2999],
    ]);
    expect(payments[0]!.data.id).toBe(payments[1]!.data.id);
  });
});

describe('credits', () => {
  it('an emptied balance is told once each time it is emptied, not for a retried consumption', async () => {
    const account = await createAccount();
    await grantTestCredits({ accountId: account.id, amount: 150_000 });
    const caller = {
      apiKey: (await createPartnerKey({ scopes: ['credits:write'], accountId: account.id })).secret,
    };
    const spend = async (amount: number, idempotencyKey = unique('spend')) => {
      const spent = await stack.app.graphql(
        'mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }',
        { input: { accountId: account.id, amountMilliCredits: amount, idempotencyKey } },
        caller,
      );
      expect(spent.errors).toBeUndefined();
      return spent.data!.consumeCredits.balanceAfterMilliCredits as number;
    };
    expect(await spend(100_000)).toBe(50_000);
    const last = unique('spend');
    expect(await spend(50_000, last)).toBe(0);
    expect(await spend(50_000, last)).toBe(0);
    const refused = await stack.app.graphql(
      'mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }',
      { input: { accountId: account.id, amountMilliCredits: 1, idempotencyKey: unique('spend') } },
      caller,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_CREDITS');
    await grantTestCredits({ accountId: account.id, amount: 10_000 });
    expect(await spend(10_000)).toBe(0);

    const events = await receivedInSequence(account.id);
    const depleted = events.filter((event) => event.type === 'credits.depleted');
    expect(depleted.map((event) => event.data.balanceMilliCredits)).toEqual([0, 0]);
    expect(depleted[0]!.data.ledgerEntryId).not.toBe(depleted[1]!.data.ledgerEntryId);
    // The second time, the low balance was told within the day already: only the emptying is.
    expect(events.map((event) => event.type)).toEqual([
      'account.created',
      'subscription.created',
      'credits.granted',
      'credits.low_balance',
      'credits.depleted',
      'credits.granted',
      'credits.depleted',
    ]);
  });
});

describe('entitlements', () => {
  it('tells of a soft limit and of the limit reached at most once a day, however often it is refused', async () => {
    forgetHandledWarnings();
    const externalId = unique('org');
    const account = await createAccount({ externalId });
    const caller = {
      apiKey: (await createPartnerKey({ scopes: ['entitlements:read', 'entitlements:write'] })).secret,
    };
    const register = (resourceId: string) =>
      stack.app.graphql(
        'mutation($input: ResourceInput!) { registerResource(input: $input) { created check { allowed } } }',
        { input: { externalId, featureKey: 'projects', resourceId } },
        caller,
      );
    const check = async () => {
      const { data } = await stack.app.graphql(
        'query($externalId: String) { entitlement(externalId: $externalId, featureKey: "projects") { allowed } }',
        { externalId },
        caller,
      );
      return data!.entitlement.allowed as boolean;
    };
    for (const id of ['p1', 'p2', 'p3'])
      expect((await register(id)).data!.registerResource.created).toBe(true);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await register(unique('p'))).errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
      expect(await check()).toBe(false);
    }
    // A day later, in another process that has not seen it (its memory forgotten), once more.
    time.clock.advance(DAY_MS);
    forgetHandledWarnings();
    for (let attempt = 0; attempt < 3; attempt += 1)
      expect((await register(unique('p'))).errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');

    const events = await receivedInSequence(account.id);
    const limits = events.filter((event) => event.type.startsWith('entitlement.'));
    expect(limits.map((event) => [event.type, event.data.used, event.data.allowed])).toEqual([
      ['entitlement.soft_limit_reached', 3, false],
      ['entitlement.limit_reached', 3, false],
      ['entitlement.limit_reached', 3, false],
    ]);
    expect(limits[1]!.data).toEqual({
      featureKey: 'projects',
      kind: 'LIMIT',
      allowed: false,
      limit: 3,
      used: 3,
      remaining: 0,
      softLimitPercent: expect.any(Number),
      plan: { key: 'free', version: expect.any(Number), name: expect.any(String) },
      periodStart: null,
      periodEnd: null,
    });
  });
});

describe('checkouts', () => {
  it('a Checkout left unpaid is told as expired once: replaced by a new one, or expired in Stripe', async () => {
    const mark = await newestEventId(stack.stripe);
    const { account, cookie } = await createMember({ role: 'owner' });
    const startSubscription = async () => {
      const started = await stack.app.graphql(
        'mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }',
        { input: { accountId: account.id, planId: await planId('pro_monthly') } },
        { cookie },
      );
      expect(started.errors).toBeUndefined();
    };
    await startSubscription();
    await startSubscription();
    const creditPackageId = (await stack.knex('creditPackages').first()).id;
    const credits = await stack.app.graphql(
      'mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { checkoutSession { id } } }',
      { input: { accountId: account.id, creditPackageId } },
      { cookie },
    );
    const creditCheckout = await stack
      .knex('checkoutSessions')
      .where({ id: credits.data!.startCreditPackageCheckout.checkoutSession.id })
      .first();
    await stack.stripe.checkout.sessions.expire(creditCheckout.stripeCheckoutSessionId);
    await stack.settle();
    await expectRedeliveryTellsNothing(account.id, mark);

    const events = await receivedInSequence(account.id);
    const expired = events.filter((event) => event.type.startsWith('checkout.'));
    expect(expired.map((event) => [event.type, event.data.purpose, event.data.status])).toEqual([
      ['checkout.expired', 'SUBSCRIPTION', 'EXPIRED'],
      ['checkout.expired', 'CREDIT_TOP_UP', 'EXPIRED'],
    ]);
    expect(expired[1]!.data).toMatchObject({ id: creditCheckout.id, completedAt: null });
    expect(
      await stack.knex('checkoutSessions').where({ accountId: account.id, status: 'open' }).count(),
    ).toEqual([{ count: 1 }]);
  });
});

describe('accounts', () => {
  it('a change of name or billing email is told once, by a partner or in Stripe, however often repeated', async () => {
    const caller = { apiKey: (await createPartnerKey({ scopes: ['accounts:write'] })).secret };
    const externalId = unique('org');
    const upsert = async (name: string) => {
      const upserted = await stack.app.graphql(
        'mutation($input: UpsertAccountInput!) { upsertAccount(input: $input) { created account { id } } }',
        { input: { externalId, name } },
        caller,
      );
      expect(upserted.errors).toBeUndefined();
      return upserted.data!.upsertAccount.account.id as string;
    };
    const accountId = await upsert('Acme');
    await upsert('Acme');
    await upsert('Acme Industries');
    await upsert('Acme Industries');

    const customer = await stack.stripe.customers.create({
      name: 'Acme',
      metadata: { account_id: accountId },
    });
    await stack.knex('accounts').where({ id: accountId }).update({ stripeCustomerId: customer.id });
    const mark = await newestEventId(stack.stripe);
    await stack.stripe.customers.update(customer.id, { email: 'ap@acme.test' });
    await stack.settle();
    await expectRedeliveryTellsNothing(accountId, mark);

    const events = await receivedInSequence(accountId);
    const told = events.filter((event) => event.type.startsWith('account.'));
    expect(told.map((event) => [event.type, event.data.name, event.data.billingEmail])).toEqual([
      ['account.created', 'Acme', null],
      ['account.updated', 'Acme Industries', null],
      ['account.updated', 'Acme Industries', 'ap@acme.test'],
    ]);
    expect(told[2]!.data).toMatchObject({ id: accountId, externalId, currency: 'usd' });
  });
});
