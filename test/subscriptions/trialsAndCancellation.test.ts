import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import {
  expireGracePeriods,
  expireTrials,
  notifyTrialsEnding,
} from '../../server/subscriptions/lifecycleJobs';
import { useSettings } from '../../server/settings';
import { createAccount, createMember, createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

const stack = useBillingStack();
const time = useFollowingClock();

const planId = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;
const TRIAL = `mutation($input: StartTrialInput!) { startTrial(input: $input) { subscription { status trialEnd plan { key } } } }`;
const CURRENT = `query($id: ID) { account(id: $id) { subscription { status cancelAtPeriodEnd trialEnd gracePeriodEndsAt plan { key } } } }`;
const CANCEL = `mutation($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) { subscription { status cancelAtPeriodEnd } currentSubscription { status plan { key } } } }`;
const RESUME = `mutation($input: AccountActionInput!) { resumeSubscription(input: $input) { subscription { cancelAtPeriodEnd } } }`;
async function current(accountId: string, cookie: string) {
  const { data, errors } = await stack.app.graphql(CURRENT, { id: accountId }, { cookie });
  expect(errors).toBeUndefined();
  return data!.account.subscription;
}
const noticesOf = async (accountId: string, kind: string) =>
  stack.knex('notifications').where({ accountId, kind });

describe('trials without a card', () => {
  it('start once, from the free plan, for plans that allow them', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      TRIAL,
      { input: { accountId: account.id, planId: await planId('starter_monthly') } },
      { cookie },
    );
    expect(started.data!.startTrial.subscription).toEqual({
      status: 'TRIALING',
      plan: { key: 'starter_monthly' },
      trialEnd: new Date(JAN_15_2026.getTime() + 7 * DAY_MS).toISOString(),
    });
    const again = await stack.app.graphql(
      TRIAL,
      { input: { accountId: account.id, planId: await planId('starter_monthly') } },
      { cookie },
    );
    expect(again.errors?.[0]?.extensions.code).toBe('CONFLICT');
    const { account: other, cookie: otherCookie } = await createMember({ role: 'owner' });
    const cardRequired = await stack.app.graphql(
      TRIAL,
      { input: { accountId: other.id, planId: await planId('pro_monthly') } },
      { cookie: otherCookie },
    );
    expect(cardRequired.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', fieldErrors: { planId: 'Pro has no trial without a card' } },
    });
  });

  it('warn three days before the end, then drop to the free plan when no card was added', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    await stack.app.graphql(
      TRIAL,
      { input: { accountId: account.id, planId: await planId('starter_monthly') } },
      { cookie },
    );
    time.clock.set(new Date(JAN_15_2026.getTime() + 3 * DAY_MS));
    await notifyTrialsEnding();
    expect(await noticesOf(account.id, 'trial_ending')).toHaveLength(0);
    time.clock.set(new Date(JAN_15_2026.getTime() + 4.5 * DAY_MS));
    await notifyTrialsEnding();
    await notifyTrialsEnding();
    expect(await noticesOf(account.id, 'trial_ending')).toHaveLength(1);

    time.clock.set(new Date(JAN_15_2026.getTime() + 7 * DAY_MS - 1));
    await expireTrials();
    expect(await current(account.id, cookie)).toMatchObject({ status: 'TRIALING' });
    time.clock.set(new Date(JAN_15_2026.getTime() + 7 * DAY_MS));
    await expireTrials();
    await expireTrials();
    expect(await current(account.id, cookie)).toMatchObject({ status: 'ACTIVE', plan: { key: 'free' } });
    const history = await stack
      .knex('subscriptions')
      .where({ accountId: account.id })
      .orderBy('createdAt')
      .select('status');
    expect(history.map((row) => row.status)).toEqual(['canceled', 'expired', 'active']);
    expect(await noticesOf(account.id, 'subscription_canceled')).toHaveLength(1);
  });

  it('convert when a card is added through Checkout, keeping the remaining days', async () => {
    // Checkout runs on Stripe's real clock here (no test clock), so ours follows real time too.
    const startedAt = new Date();
    time.clock.set(startedAt);
    const { account, cookie } = await createMember({ role: 'owner' });
    const starter = await planId('starter_monthly');
    await stack.app.graphql(TRIAL, { input: { accountId: account.id, planId: starter } }, { cookie });
    const { data } = await stack.app.graphql(
      'mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }',
      { input: { accountId: account.id, planId: starter } },
      { cookie },
    );
    expect((await submitCheckoutForm(data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();
    const converted = await current(account.id, cookie);
    expect(converted).toMatchObject({ status: 'TRIALING', plan: { key: 'starter_monthly' } });
    const local = await stack
      .knex('subscriptions')
      .where({ accountId: account.id, status: 'trialing' })
      .first();
    expect(local.stripeSubscriptionId).toEqual(expect.stringMatching(/^sub_/));
    // The Stripe trial ends when the card-less one would have (to the second).
    expect(Math.floor(local.trialEnd.getTime() / 1000)).toBe(
      Math.floor((startedAt.getTime() + 7 * DAY_MS) / 1000),
    );
  });
});

describe('cancellation', () => {
  it('cancels at the period end, can be resumed, and drops to the free plan when the period ends', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const input = { accountId: subscribed.account.id };
    const canceled = await stack.app.graphql(CANCEL, { input }, { cookie: subscribed.cookie });
    expect(canceled.data!.cancelSubscription).toEqual({
      subscription: { status: 'ACTIVE', cancelAtPeriodEnd: true },
      currentSubscription: { status: 'ACTIVE', plan: { key: 'pro_monthly' } },
    });
    expect(
      (await stack.app.graphql(RESUME, { input }, { cookie: subscribed.cookie })).data!.resumeSubscription
        .subscription.cancelAtPeriodEnd,
    ).toBe(false);
    expect((await stack.stripe.subscriptions.retrieve(subscribed.subscription.id)).cancel_at_period_end).toBe(
      false,
    );

    await stack.app.graphql(CANCEL, { input }, { cookie: subscribed.cookie });
    await subscribed.advanceTo(new Date(Date.UTC(2026, 1, 15, 13)));
    expect(await current(subscribed.account.id, await subscribed.signInAgain())).toMatchObject({
      status: 'ACTIVE',
      plan: { key: 'free' },
    });
    expect((await stack.stripe.subscriptions.retrieve(subscribed.subscription.id)).status).toBe('canceled');
    expect(await noticesOf(subscribed.account.id, 'subscription_canceled')).toHaveLength(1);
    // Canceling twice in one period (with a resume between) confirms the end date once.
    const confirmations = await noticesOf(subscribed.account.id, 'subscription.cancellation_scheduled');
    expect(confirmations.map((notice) => notice.subject)).toEqual([
      expect.stringMatching(/^Your Pro subscription ends on Feb 15, 2026$/),
    ]);
  });

  it('cancels at once only for platform admins', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const input = { accountId: subscribed.account.id, atPeriodEnd: false, reason: 'fraud' };
    const byOwner = await stack.app.graphql(CANCEL, { input }, { cookie: subscribed.cookie });
    expect(byOwner.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(await current(subscribed.account.id, subscribed.cookie)).toMatchObject({
      plan: { key: 'pro_monthly' },
    });

    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const byAdmin = await stack.app.graphql(CANCEL, { input }, admin);
    expect(byAdmin.data!.cancelSubscription).toEqual({
      subscription: { status: 'CANCELED', cancelAtPeriodEnd: false },
      currentSubscription: { status: 'ACTIVE', plan: { key: 'free' } },
    });
    expect(
      await stack
        .knex('audit_log')
        .where({ accountId: subscribed.account.id, action: 'subscription.canceled' })
        .first(),
    ).toMatchObject({ reason: 'fraud', actorType: 'user' });
  });

  it('refuses to cancel the free plan', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const { errors } = await stack.app.graphql(CANCEL, { input: { accountId: account.id } }, { cookie });
    expect(errors?.[0]).toMatchObject({
      extensions: { code: 'CONFLICT' },
      message: 'The free plan has nothing to cancel.',
    });
  });
});

describe('failed renewals and the grace period', () => {
  it('keeps access while past due, then drops to the free plan when the grace period ends unpaid', async () => {
    const restore = useSettings({ gracePeriodDays: 2 });
    try {
      const subscribed = await subscribeOnTestClock({
        stack,
        clock: time.clock,
        planKey: 'pro_monthly',
        paymentMethod: 'pm_card_chargeCustomerFail',
        trialDays: 3,
      });
      const trialEnd = new Date(JAN_15_2026.getTime() + 3 * DAY_MS);
      await subscribed.advanceTo(new Date(trialEnd.getTime() + 2 * 3_600_000));
      const pastDue = await current(subscribed.account.id, subscribed.cookie);
      expect(pastDue).toMatchObject({ status: 'PAST_DUE', plan: { key: 'pro_monthly' } });
      const graceEnd = new Date(pastDue.gracePeriodEndsAt);
      expect(graceEnd.getTime()).toBe(trialEnd.getTime() + 2 * 3_600_000 + 2 * DAY_MS);

      const entitlement = `query($id: ID) { entitlement(accountId: $id, featureKey: "priority_support") { allowed plan { key } } }`;
      expect(
        (await stack.app.graphql(entitlement, { id: subscribed.account.id }, { cookie: subscribed.cookie }))
          .data!.entitlement,
      ).toEqual({ allowed: true, plan: { key: 'pro_monthly' } });
      expect(await noticesOf(subscribed.account.id, 'payment_failed')).toHaveLength(1);

      time.clock.set(new Date(graceEnd.getTime() - 1000));
      expect(await expireGracePeriods()).toBe(0);

      // Another past-due subscription that Stripe does not know fails on its own: the job run fails
      // (and is retried), but this account is still dropped to the free plan.
      const stray = await createAccount();
      await stack
        .knex('subscriptions')
        .where({ accountId: stray.id })
        .update({
          status: 'past_due',
          stripeSubscriptionId: unique('sub_unknown'),
          gracePeriodEndsAt: graceEnd,
        });
      time.clock.set(graceEnd);
      await expect(expireGracePeriods()).rejects.toThrow();
      await stack.settle();
      expect(await current(subscribed.account.id, subscribed.cookie)).toMatchObject({
        status: 'ACTIVE',
        plan: { key: 'free' },
      });
      expect((await stack.stripe.subscriptions.retrieve(subscribed.subscription.id)).status).toBe('canceled');
      expect(
        (await stack.app.graphql(entitlement, { id: subscribed.account.id }, { cookie: subscribed.cookie }))
          .data!.entitlement,
      ).toEqual({ allowed: false, plan: { key: 'free' } });
    } finally {
      restore();
    }
  });
});
