import { failAt, type FaultPoint } from '../../server/faultPoints';
import { unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { startCrashingProcess, type CrashingProcess } from '../support/crashingProcess';
import { subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

const stack = useBillingStack();
const time = useFollowingClock();

const CHANGE = `mutation($input: ChangePlanInput!) {
  changePlan(input: $input) { kind subscription { plan { key } } } }`;

let crashing: CrashingProcess | undefined;
afterEach(() => crashing?.stop());

async function effectsOf(accountId: string, stripeCustomerId: string) {
  await stack.settle();
  const invoices = await stack.stripe.invoices.list({ customer: stripeCustomerId, limit: 100 });
  return {
    upgradeInvoices: invoices.data
      .filter((invoice) => invoice.billing_reason === 'subscription_update')
      .map((invoice) => invoice.status),
    plan: (
      await stack
        .knex('subscriptions')
        .join('plans', 'plans.id', 'subscriptions.planId')
        .where({ 'subscriptions.accountId': accountId, 'subscriptions.status': 'active' })
        .first('plans.key')
    ).key,
  };
}

describe('an upgrade retried after it was interrupted', () => {
  it.each(
    (['planChange.afterStripeCall', 'planChange.afterCommit'] as FaultPoint[]).flatMap((point) =>
      (['crash', 'failure'] as const).map((how) => [how, point] as const),
    ),
  )('is charged once after a %s at %s, and the retry answers the upgrade', async (how, point) => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const team = await stack.knex('plans').where({ key: 'team_monthly', active: true }).first();
    const input = { accountId: subscribed.account.id, planId: team.id, idempotencyKey: unique('k') };
    if (how === 'crash') {
      crashing = await startCrashingProcess({ stack, crashAt: point });
      expect(await crashing.send(CHANGE, { input }, { cookie: subscribed.cookie })).toBe('no answer');
      expect(await crashing.exited).toBe('SIGKILL');
    } else {
      failAt(point);
      const failed = await stack.app.graphql(CHANGE, { input }, { cookie: subscribed.cookie });
      expect(failed.errors?.[0]?.extensions.code).toBe('INTERNAL');
    }
    await stack.settle();

    const retried = await stack.app.graphql(CHANGE, { input }, { cookie: subscribed.cookie });
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.changePlan).toEqual({
      kind: 'UPGRADE',
      subscription: { plan: { key: 'team_monthly' } },
    });
    expect(await effectsOf(subscribed.account.id, subscribed.customer.id)).toEqual({
      upgradeInvoices: ['paid'],
      plan: 'team_monthly',
    });
  });
});
