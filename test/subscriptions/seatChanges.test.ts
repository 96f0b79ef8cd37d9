import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

/**
 * Fewer seats on a per-seat plan: what the preview says is what happens. Stripe prorates a quantity
 * change at once, so the seats drop now and the unused time comes back as a credit toward the next
 * invoice, to the cent the preview showed, whichever mutation the customer uses.
 */
const stack = useBillingStack();
const time = useFollowingClock();

const PREVIEW = `query($accountId: ID!, $planId: ID!, $seats: Int) {
  previewPlanChange(accountId: $accountId, planId: $planId, seats: $seats) { kind seats effectiveAt prorationDate amountDueNow { amount currency } lines { amount { amount } proration } }
}`;
const SEATS = `mutation($input: ChangeSeatsInput!) { changeSeats(input: $input) { kind effectiveAt subscription { quantity scheduledChange { quantity } } } }`;
const CHANGE = `mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind effectiveAt subscription { quantity scheduledChange { quantity } } } }`;

const teamPlanId = async () =>
  (await stack.knex('plans').where({ key: 'team_monthly', active: true }).first()).id as string;

async function teamOfEight() {
  const subscribed = await subscribeOnTestClock({
    stack,
    clock: time.clock,
    planKey: 'team_monthly',
    seats: 8,
    members: 2,
  });
  // A quarter of the 31-day period gone: three quarters of each seat's price remain.
  const at = new Date(JAN_15_2026.getTime() + 7.75 * DAY_MS);
  await subscribed.advanceTo(at);
  return { ...subscribed, at };
}

async function stripeBalance(customerId: string): Promise<number> {
  const customer = await stack.stripe.customers.retrieve(customerId);
  return customer.deleted ? 0 : customer.balance;
}

describe('fewer seats', () => {
  it.each([
    ['changeSeats', SEATS, 'changeSeats'],
    ['changePlan to the same plan', CHANGE, 'changePlan'],
  ])(
    'take effect as previewed through %s: now, with the unused time credited',
    async (_name, mutation, field) => {
      const team = await teamOfEight();
      const planId = await teamPlanId();
      const preview = await stack.app.graphql(
        PREVIEW,
        { accountId: team.account.id, planId, seats: 3 },
        { cookie: team.cookie },
      );
      expect(preview.errors).toBeUndefined();
      // Unused 8 seats: −4900 × 8 × 3/4 = −29400; remaining 3 seats: 4900 × 3 × 3/4 = 11025.
      expect(preview.data!.previewPlanChange).toMatchObject({
        kind: 'SEATS',
        seats: 3,
        effectiveAt: team.at.toISOString(),
        amountDueNow: { amount: -18_375, currency: 'usd' },
        lines: expect.arrayContaining([
          { amount: { amount: -29_400 }, proration: true },
          { amount: { amount: 11_025 }, proration: true },
        ]),
      });

      const input = {
        accountId: team.account.id,
        seats: 3,
        prorationDate: preview.data!.previewPlanChange.prorationDate,
        ...(field === 'changePlan' && { planId }),
      };
      const changed = await stack.app.graphql(mutation, { input }, { cookie: team.cookie });
      expect(changed.errors).toBeUndefined();
      expect(changed.data![field]).toEqual({
        kind: 'SEATS',
        effectiveAt: team.at.toISOString(),
        subscription: { quantity: 3, scheduledChange: null },
      });
      await stack.settle();

      const stripeSubscription = await stack.stripe.subscriptions.retrieve(team.subscription.id);
      expect(stripeSubscription.items.data[0]!.quantity).toBe(3);
      const credit = await stack
        .knex('invoices')
        .where({ accountId: team.account.id, billingReason: 'subscription_update' })
        .first();
      expect(credit).toMatchObject({
        total: preview.data!.previewPlanChange.amountDueNow.amount,
        amountPaid: 0,
      });
      // The credit waits in Stripe's customer balance and comes off the next invoice.
      expect(await stripeBalance(team.customer.id)).toBe(-18_375);
      await team.advanceTo(new Date(Date.UTC(2026, 1, 15, 14)));
      const renewal = await stack
        .knex('invoices')
        .where({ accountId: team.account.id, billingReason: 'subscription_cycle' })
        .first();
      expect(renewal).toMatchObject({ total: 3 * 4900, amountPaid: 0, status: 'paid' });
      expect(await stripeBalance(team.customer.id)).toBe(-18_375 + 14_700);
    },
  );

  it('are never fewer than the seats in use, in the preview and in the change alike', async () => {
    const team = await teamOfEight();
    const planId = await teamPlanId();
    const preview = await stack.app.graphql(
      PREVIEW,
      { accountId: team.account.id, planId, seats: 2 },
      { cookie: team.cookie },
    );
    const changed = await stack.app.graphql(
      SEATS,
      { input: { accountId: team.account.id, seats: 2 } },
      { cookie: team.cookie },
    );
    for (const result of [preview, changed])
      expect(result.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { seats: 'must be at least 3, the seats in use' },
      });
    expect((await stack.stripe.subscriptions.retrieve(team.subscription.id)).items.data[0]!.quantity).toBe(8);
  });
});
