import type { FaultPoint } from '../../server/faultPoints';
import { createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { interruptions, useInterruptedRequests } from '../support/interruptedRequests';
import {
  DAY_MS,
  JAN_15_2026,
  subscribeOnTestClock,
  useFollowingClock,
  type ClockedAccount,
} from '../support/subscribedAccount';
import type { Caller } from '../support/testApp';

/**
 * Each subscription change that calls Stripe, stopped between two of its steps (before and after the
 * Stripe call, before and after its commit, before its answer is saved) by a crash or a failure, then
 * retried with the same key: one effect in Stripe and in our books, and the answer the first call would
 * have given.
 */
const stack = useBillingStack();
const time = useFollowingClock();
const interrupt = useInterruptedRequests(stack);

const SEATS = `mutation($input: ChangeSeatsInput!) {
  changeSeats(input: $input) { kind subscription { quantity } } }`;
const CANCEL = `mutation($input: CancelSubscriptionInput!) {
  cancelSubscription(input: $input) { subscription { status cancelAtPeriodEnd } currentSubscription { status plan { key } } } }`;
const RESUME = `mutation($input: AccountActionInput!) {
  resumeSubscription(input: $input) { subscription { status cancelAtPeriodEnd } } }`;

const STRIPE_CHANGE_POINTS = (step: 'planChange' | 'cancellation' | 'resumption'): FaultPoint[] => [
  `${step}.beforeStripeCall`,
  `${step}.afterStripeCall`,
  `${step}.beforeCommit`,
  `${step}.afterCommit`,
  'idempotency.beforeCompletion',
];

let admin: Caller;
beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

const auditCount = async (accountId: string, action: string) =>
  (await stack.knex('audit_log').where({ accountId, action })).length;

/** Sends, stops at `point`, retries; answers the retry, checking a second retry answers the same. */
async function interruptedThenRetried(
  how: 'crash' | 'failure',
  point: FaultPoint,
  [query, variables, caller]: [string, Record<string, unknown>, Caller],
) {
  await interrupt(how, point, [query, variables, caller]);
  const retried = await stack.app.graphql(query, variables, caller);
  expect(retried.errors).toBeUndefined();
  expect((await stack.app.graphql(query, variables, caller)).data).toEqual(retried.data);
  await stack.settle();
  return retried.data!;
}

async function teamOfFive(): Promise<ClockedAccount> {
  const team = await subscribeOnTestClock({
    stack,
    clock: time.clock,
    planKey: 'team_monthly',
    seats: 5,
    members: 2,
  });
  await team.advanceTo(new Date(JAN_15_2026.getTime() + 10 * DAY_MS));
  return team;
}

async function seatChangesOf(team: ClockedAccount) {
  const invoices = await stack.stripe.invoices.list({ customer: team.customer.id, limit: 100 });
  // The team subscription, not the free one it replaced: an account has both rows.
  const subscription = await stack
    .knex('subscriptions')
    .where({ stripeSubscriptionId: team.subscription.id })
    .first();
  return {
    stripeQuantity: (await stack.stripe.subscriptions.retrieve(team.subscription.id)).items.data[0]!.quantity,
    changeInvoices: invoices.data.filter((invoice) => invoice.billing_reason === 'subscription_update')
      .length,
    ourQuantity: subscription.quantity,
    audited: await auditCount(team.account.id, 'subscription.seats_changed'),
  };
}

describe.each([
  ['more seats', 8],
  ['fewer seats', 3],
])('%s, retried after an interruption', (_name, seats) => {
  it.each(interruptions(STRIPE_CHANGE_POINTS('planChange')))(
    'change once after a %s at %s, and the retry answers the change',
    async (how, point) => {
      const team = await teamOfFive();
      const input = { accountId: team.account.id, seats, idempotencyKey: unique('k') };
      const answer = await interruptedThenRetried(how, point, [SEATS, { input }, { cookie: team.cookie }]);
      expect(answer.changeSeats).toEqual({ kind: 'SEATS', subscription: { quantity: seats } });
      expect(await seatChangesOf(team)).toEqual({
        stripeQuantity: seats,
        changeInvoices: 1,
        ourQuantity: seats,
        audited: 1,
      });
    },
  );
});

async function cancellationOf(subscribed: ClockedAccount) {
  const inStripe = await stack.stripe.subscriptions.retrieve(subscribed.subscription.id);
  const ours = await stack
    .knex('subscriptions')
    .where({ stripeSubscriptionId: subscribed.subscription.id })
    .first();
  return {
    stripe: { status: inStripe.status, cancelAtPeriodEnd: inStripe.cancel_at_period_end },
    ours: { status: ours.status, cancelAtPeriodEnd: ours.cancelAtPeriodEnd },
    scheduled: await auditCount(subscribed.account.id, 'subscription.cancellation_scheduled'),
    canceled: await auditCount(subscribed.account.id, 'subscription.canceled'),
    resumed: await auditCount(subscribed.account.id, 'subscription.resumed'),
  };
}

describe('a cancellation at the period end, retried after an interruption', () => {
  it.each(interruptions(STRIPE_CHANGE_POINTS('cancellation')))(
    'is scheduled once after a %s at %s, and the retry answers it',
    async (how, point) => {
      const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
      const input = { accountId: subscribed.account.id, reason: 'too dear', idempotencyKey: unique('k') };
      const answer = await interruptedThenRetried(how, point, [
        CANCEL,
        { input },
        { cookie: subscribed.cookie },
      ]);
      expect(answer.cancelSubscription).toEqual({
        subscription: { status: 'ACTIVE', cancelAtPeriodEnd: true },
        currentSubscription: { status: 'ACTIVE', plan: { key: 'pro_monthly' } },
      });
      expect(await cancellationOf(subscribed)).toEqual({
        stripe: { status: 'active', cancelAtPeriodEnd: true },
        ours: { status: 'active', cancelAtPeriodEnd: true },
        scheduled: 1,
        canceled: 0,
        resumed: 0,
      });
    },
  );
});

describe('a cancellation at once by a platform admin, retried after an interruption', () => {
  it.each(interruptions([...STRIPE_CHANGE_POINTS('cancellation'), 'cancellation.afterRefunds']))(
    'cancels once after a %s at %s, and the retry answers the cancellation, not "nothing to cancel"',
    async (how, point) => {
      const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
      const input = {
        accountId: subscribed.account.id,
        atPeriodEnd: false,
        reason: 'fraud',
        idempotencyKey: unique('k'),
      };
      const answer = await interruptedThenRetried(how, point, [CANCEL, { input }, admin]);
      expect(answer.cancelSubscription).toEqual({
        subscription: { status: 'CANCELED', cancelAtPeriodEnd: false },
        currentSubscription: { status: 'ACTIVE', plan: { key: 'free' } },
      });
      expect(await cancellationOf(subscribed)).toEqual({
        stripe: { status: 'canceled', cancelAtPeriodEnd: false },
        ours: { status: 'canceled', cancelAtPeriodEnd: false },
        scheduled: 0,
        canceled: 1,
        resumed: 0,
      });
      const audit = await stack
        .knex('audit_log')
        .where({ accountId: subscribed.account.id, action: 'subscription.canceled' })
        .first();
      expect(audit).toMatchObject({ reason: 'fraud', actorType: 'user' });
    },
  );
});

describe('a resumption, retried after an interruption', () => {
  it.each(interruptions(STRIPE_CHANGE_POINTS('resumption')))(
    'resumes once after a %s at %s, and the retry answers it',
    async (how, point) => {
      const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
      await stack.app.graphql(
        CANCEL,
        { input: { accountId: subscribed.account.id } },
        { cookie: subscribed.cookie },
      );
      await stack.settle();
      const input = { accountId: subscribed.account.id, idempotencyKey: unique('k') };
      const answer = await interruptedThenRetried(how, point, [
        RESUME,
        { input },
        { cookie: subscribed.cookie },
      ]);
      expect(answer.resumeSubscription).toEqual({
        subscription: { status: 'ACTIVE', cancelAtPeriodEnd: false },
      });
      expect(await cancellationOf(subscribed)).toEqual({
        stripe: { status: 'active', cancelAtPeriodEnd: false },
        ours: { status: 'active', cancelAtPeriodEnd: false },
        scheduled: 1,
        canceled: 0,
        resumed: 1,
      });
    },
  );
});
