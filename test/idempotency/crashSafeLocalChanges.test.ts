import type { FaultPoint } from '../../server/faultPoints';
import { createMember, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { interruptions, useInterruptedRequests } from '../support/interruptedRequests';
import { subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';
import type { Caller } from '../support/testApp';

/**
 * Changes made in our books alone (no Stripe call), stopped before or after their commit or before their
 * answer is saved, then retried with the same key: one change, one audit entry, and the answer the first
 * call would have given (not "this account has already had its trial").
 */
const stack = useBillingStack();
const time = useFollowingClock();
const interrupt = useInterruptedRequests(stack);

const TRIAL = `mutation($input: StartTrialInput!) {
  startTrial(input: $input) { subscription { status plan { key } } } }`;
const CHANGE = `mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind } }`;
const UNDO = `mutation($input: AccountActionInput!) {
  cancelScheduledPlanChange(input: $input) { subscription { plan { key } scheduledChange { effectiveAt } } } }`;
const AUTO_TOP_UP = `mutation($input: UpdateAutoTopUpInput!) {
  updateAutoTopUp(input: $input) { enabled thresholdMilliCredits creditPackage { key } } }`;

const points = (step: string): FaultPoint[] => [
  `${step}.beforeCommit` as FaultPoint,
  `${step}.afterCommit` as FaultPoint,
  'idempotency.beforeCompletion',
];

const planId = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;
const auditCount = async (accountId: string, action: string) =>
  (await stack.knex('audit_log').where({ accountId, action })).length;

async function interruptedThenRetried(
  how: 'crash' | 'failure',
  point: FaultPoint,
  [query, variables, caller]: [string, Record<string, unknown>, Caller],
) {
  await interrupt(how, point, [query, variables, caller]);
  const retried = await stack.app.graphql(query, variables, caller);
  expect(retried.errors).toBeUndefined();
  expect((await stack.app.graphql(query, variables, caller)).data).toEqual(retried.data);
  return retried.data!;
}

describe('a trial retried after an interruption', () => {
  it.each(interruptions(points('trial')))(
    'starts once after a %s at %s, and the retry answers the trial',
    async (how, point) => {
      const { account, cookie } = await createMember({ role: 'owner' });
      const input = {
        accountId: account.id,
        planId: await planId('starter_monthly'),
        idempotencyKey: unique('k'),
      };
      const answer = await interruptedThenRetried(how, point, [TRIAL, { input }, { cookie }]);
      expect(answer.startTrial).toEqual({
        subscription: { status: 'TRIALING', plan: { key: 'starter_monthly' } },
      });
      expect(
        await stack.knex('subscriptions').where({ accountId: account.id, status: 'trialing' }),
      ).toHaveLength(1);
      expect(await auditCount(account.id, 'subscription.trial_started')).toBe(1);
    },
  );
});

describe('undoing a scheduled downgrade, retried after an interruption', () => {
  it.each(interruptions(points('scheduledChange')))(
    'undoes it once after a %s at %s, and the retry answers it',
    async (how, point) => {
      const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
      const caller = { cookie: subscribed.cookie };
      const scheduled = await stack.app.graphql(
        CHANGE,
        { input: { accountId: subscribed.account.id, planId: await planId('starter_monthly') } },
        caller,
      );
      expect(scheduled.data!.changePlan.kind).toBe('DOWNGRADE');
      const input = { accountId: subscribed.account.id, idempotencyKey: unique('k') };
      const answer = await interruptedThenRetried(how, point, [UNDO, { input }, caller]);
      expect(answer.cancelScheduledPlanChange).toEqual({
        subscription: { plan: { key: 'pro_monthly' }, scheduledChange: null },
      });
      expect(await auditCount(subscribed.account.id, 'subscription.downgrade_unscheduled')).toBe(1);
    },
  );
});

describe('automatic top-up settings, retried after an interruption', () => {
  it.each(interruptions(points('autoTopUpSettings')))(
    'change once after a %s at %s, and the retry answers the settings',
    async (how, point) => {
      const { account, cookie } = await createMember({ role: 'owner' });
      const creditPackageId = (await stack.knex('credit_packages').where({ key: 'auto_top_up_500' }).first())
        .id;
      const input = {
        accountId: account.id,
        enabled: true,
        thresholdMilliCredits: 100_000,
        creditPackageId,
        idempotencyKey: unique('k'),
      };
      const answer = await interruptedThenRetried(how, point, [AUTO_TOP_UP, { input }, { cookie }]);
      expect(answer.updateAutoTopUp).toEqual({
        enabled: true,
        thresholdMilliCredits: 100_000,
        creditPackage: { key: 'auto_top_up_500' },
      });
      expect(await auditCount(account.id, 'credits.auto_top_up_updated')).toBe(1);
    },
  );
});
