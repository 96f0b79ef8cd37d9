import { expireCreditGrants } from '../../server/credits/expiry';
import { grantPlanAllowances } from '../../server/subscriptions/creditAllowance';
import { applyScheduledPlanChanges } from '../../server/subscriptions/lifecycleJobs';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

const stack = useBillingStack();
const time = useFollowingClock();

const grantsOf = (accountId: string) =>
  stack
    .knex('credit_grants')
    .where({ accountId, source: 'plan_allowance' })
    .orderBy([{ column: 'createdAt' }, { column: 'expiresAt' }]);
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

const CHANGE = `mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind } }`;
const planId = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;
const ledgerOf = async (accountId: string) =>
  (await stack.knex('credit_ledger_entries').where({ accountId }).orderBy('id')).map((entry) => [
    entry.entryType,
    entry.amount,
  ]);

describe('the allowance of each period', () => {
  it('comes once for a trial and once for the first paid period, and the account never holds both', async () => {
    const subscribed = await subscribeOnTestClock({
      stack,
      clock: time.clock,
      planKey: 'pro_monthly',
      trialDays: 14,
    });
    // The customer ends the trial minutes after starting it.
    await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 10 * 60 * 1000));
    await stack.stripe.subscriptions.update(subscribed.subscription.id, { trial_end: 'now' });
    await stack.settle();
    await grantPlanAllowances();
    expect(await ledgerOf(subscribed.account.id)).toEqual([
      ['grant', 1_000_000],
      ['expiry', -1_000_000],
      ['grant', 1_000_000],
    ]);
    expect(await balanceOf(subscribed.account.id)).toBe(1_000_000);
  });

  it('adds only the difference on an upgrade within the period, however often the plan changes', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 60 * 60 * 1000));
    const change = async (planKey: string) => {
      const { errors } = await stack.app.graphql(
        CHANGE,
        { input: { accountId: subscribed.account.id, planId: await planId(planKey) } },
        { cookie: subscribed.cookie },
      );
      expect(errors).toBeUndefined();
      await stack.settle();
    };
    await change('team_monthly');
    await grantPlanAllowances();
    expect((await grantsOf(subscribed.account.id)).map((grant) => grant.amount)).toEqual([
      1_000_000, 1_500_000,
    ]);
    expect(await balanceOf(subscribed.account.id)).toBe(2_500_000);

    // A downgrade waits for the period's end; the next period brings the lower plan's allowance.
    await change('pro_monthly');
    await grantPlanAllowances();
    expect(await balanceOf(subscribed.account.id)).toBe(2_500_000);
    await subscribed.advanceTo(new Date(Date.UTC(2026, 1, 15, 11, 55)));
    await applyScheduledPlanChanges();
    await stack.settle();
    await subscribed.advanceTo(new Date(Date.UTC(2026, 1, 15, 14)));
    await grantPlanAllowances();
    const grants = await grantsOf(subscribed.account.id);
    expect(grants.map((grant) => [grant.amount, grant.expiresAt])).toEqual([
      [1_000_000, new Date(Date.UTC(2026, 1, 15, 12))],
      [1_500_000, new Date(Date.UTC(2026, 1, 15, 12))],
      [1_000_000, new Date(Date.UTC(2026, 2, 15, 12))],
    ]);
    expect(await balanceOf(subscribed.account.id)).toBe(1_000_000);
  });

  it('is not granted for a period that is never paid, and is once it is', async () => {
    const subscribed = await subscribeOnTestClock({
      stack,
      clock: time.clock,
      planKey: 'pro_monthly',
      trialDays: 3,
      paymentMethod: 'pm_card_chargeCustomerFail',
    });
    const trialEnd = new Date(JAN_15_2026.getTime() + 3 * DAY_MS);
    await subscribed.advanceTo(new Date(trialEnd.getTime() + 2 * 3600 * 1000));
    await expireCreditGrants();
    expect(
      await stack.knex('subscriptions').where({ accountId: subscribed.account.id, status: 'past_due' }),
    ).toHaveLength(1);
    await grantPlanAllowances();
    expect((await grantsOf(subscribed.account.id)).map((grant) => grant.expiresAt)).toEqual([trialEnd]);
    expect(await balanceOf(subscribed.account.id)).toBe(0);

    // The customer fixes the card and pays: the period's allowance comes with the payment.
    const card = await stack.stripe.paymentMethods.attach('pm_card_visa', {
      customer: subscribed.customer.id,
    });
    await stack.stripe.customers.update(subscribed.customer.id, {
      invoice_settings: { default_payment_method: card.id },
    });
    const { latest_invoice: invoiceId } = await stack.stripe.subscriptions.retrieve(
      subscribed.subscription.id,
    );
    await stack.stripe.invoices.pay(invoiceId as string);
    await stack.settle();
    await grantPlanAllowances();
    expect((await grantsOf(subscribed.account.id)).map((grant) => grant.expiresAt)).toEqual([
      trialEnd,
      new Date(Date.UTC(2026, 1, 18, 12)),
    ]);
    expect(await balanceOf(subscribed.account.id)).toBe(1_000_000);
  });

  it('catches up the months that passed while nothing granted them, each with its own expiry', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_yearly' });
    // Nothing ran for two and a half months.
    time.clock.set(new Date(Date.UTC(2026, 3, 1)));
    await grantPlanAllowances();
    const grants = await grantsOf(subscribed.account.id);
    expect(grants.map((grant) => [grant.amount, grant.expiresAt, grant.remaining])).toEqual([
      [1_000_000, new Date(Date.UTC(2026, 1, 15, 12)), 0],
      [1_000_000, new Date(Date.UTC(2026, 2, 15, 12)), 0],
      [1_000_000, new Date(Date.UTC(2026, 3, 15, 12)), 1_000_000],
    ]);
    expect(await balanceOf(subscribed.account.id)).toBe(1_000_000);
    await grantPlanAllowances();
    expect(await grantsOf(subscribed.account.id)).toHaveLength(3);
  });
});
