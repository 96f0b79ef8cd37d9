import { grantPlanAllowances } from '../../server/subscriptions/creditAllowance';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

const stack = useBillingStack();
const time = useFollowingClock();

const grantsOf = (accountId: string) =>
  stack.knex('credit_grants').where({ accountId, source: 'plan_allowance' }).orderBy('createdAt');
const balanceOf = async (accountId: string) =>
  (await stack.knex('credit_balances').where({ accountId }).first()).balance as number;

describe('the monthly credit allowance of a plan', () => {
  it('is granted when the subscription starts, once, and expires with the month', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    expect(await grantsOf(subscribed.account.id)).toEqual([
      expect.objectContaining({
        amount: 1_000_000,
        remaining: 1_000_000,
        expiresAt: new Date(Date.UTC(2026, 1, 15, 12)),
      }),
    ]);
    await grantPlanAllowances();
    await grantPlanAllowances();
    expect(await grantsOf(subscribed.account.id)).toHaveLength(1);
    expect(await balanceOf(subscribed.account.id)).toBe(1_000_000);
  });

  it('comes every month on a yearly plan, not once a year', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_yearly' });
    time.clock.set(new Date(JAN_15_2026.getTime() + 32 * DAY_MS));
    await grantPlanAllowances();
    const grants = await grantsOf(subscribed.account.id);
    expect(grants.map((grant) => [grant.amount, grant.expiresAt])).toEqual([
      [1_000_000, new Date(Date.UTC(2026, 1, 15, 12))],
      [1_000_000, new Date(Date.UTC(2026, 2, 15, 12))],
    ]);
  });

  it('renews with each paid period of a monthly plan', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    await subscribed.advanceTo(new Date(Date.UTC(2026, 1, 15, 14)));
    const grants = await grantsOf(subscribed.account.id);
    expect(grants.map((grant) => grant.expiresAt)).toEqual([
      new Date(Date.UTC(2026, 1, 15, 12)),
      new Date(Date.UTC(2026, 2, 15, 12)),
    ]);
  });
});
