import {
  applyScheduledPlanChanges,
  SCHEDULED_CHANGE_LEAD_MS,
} from '../../server/subscriptions/lifecycleJobs';
import { createMember } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

const stack = useBillingStack();
const time = useFollowingClock();

const PREVIEW = `query($accountId: ID!, $planId: ID!, $seats: Int) {
  previewPlanChange(accountId: $accountId, planId: $planId, seats: $seats) { kind seats effectiveAt prorationDate amountDueNow { amount currency } lines { amount { amount } proration } }
}`;
const CHANGE = `mutation($input: ChangePlanInput!) {
  changePlan(input: $input) { kind effectiveAt subscription { status quantity plan { key } scheduledChange { plan { key } quantity effectiveAt } } }
}`;
const SEATS = `mutation($input: ChangeSeatsInput!) { changeSeats(input: $input) { subscription { quantity plan { key } } } }`;
const UNDO = `mutation($input: AccountActionInput!) { cancelScheduledPlanChange(input: $input) { subscription { scheduledChange { effectiveAt } } } }`;

const planId = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;
const FEB_15_2026 = new Date(Date.UTC(2026, 1, 15, 12));

describe('upgrades take effect at once, prorated to the cent', () => {
  it('charges for Max and credits the unused half of Pro exactly as previewed', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    // The period is Jan 15 12:00 to Feb 15 12:00 (31 days); halfway through, half of each price remains.
    await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 15.5 * DAY_MS));
    const variables = { accountId: subscribed.account.id, planId: await planId('max_monthly') };

    const preview = await stack.app.graphql(PREVIEW, variables, { cookie: subscribed.cookie });
    expect(preview.errors).toBeUndefined();
    // Unused Pro: −2999 / 2 = −1499.5 → −1500; remaining Max: 49999 / 2 = 24999.5 → 25000 (half away from zero).
    expect(preview.data!.previewPlanChange).toMatchObject({
      kind: 'UPGRADE',
      amountDueNow: { amount: 23_500, currency: 'usd' },
      lines: expect.arrayContaining([
        { amount: { amount: -1500 }, proration: true },
        { amount: { amount: 25_000 }, proration: true },
      ]),
    });

    const changed = await stack.app.graphql(
      CHANGE,
      { input: { ...variables, prorationDate: preview.data!.previewPlanChange.prorationDate } },
      { cookie: subscribed.cookie },
    );
    expect(changed.errors).toBeUndefined();
    expect(changed.data!.changePlan).toMatchObject({
      kind: 'UPGRADE',
      subscription: { status: 'ACTIVE', plan: { key: 'max_monthly' } },
    });
    await stack.settle();
    const upgrade = await stack
      .knex('payments')
      .where({ accountId: subscribed.account.id, type: 'subscription_upgrade' });
    expect(upgrade).toEqual([expect.objectContaining({ status: 'completed', amount: 23_500 })]);
    const stripeSubscription = await stack.stripe.subscriptions.retrieve(subscribed.subscription.id);
    expect(stripeSubscription.items.data[0]!.price.lookup_key).toBe('plan:max_monthly:v1');
  });

  it('prorates a seat change on a per-seat plan in both directions', async () => {
    const subscribed = await subscribeOnTestClock({
      stack,
      clock: time.clock,
      planKey: 'team_monthly',
      seats: 5,
      members: 2,
    });
    // A quarter of the 31-day period gone: three quarters of each seat's price remain.
    await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 7.75 * DAY_MS));
    const teamId = await planId('team_monthly');
    const preview = await stack.app.graphql(
      PREVIEW,
      { accountId: subscribed.account.id, planId: teamId, seats: 8 },
      { cookie: subscribed.cookie },
    );
    // Unused 5 seats: −4900 × 5 × 3/4 = −18375; remaining 8 seats: 4900 × 8 × 3/4 = 29400.
    expect(preview.data!.previewPlanChange).toMatchObject({
      kind: 'SEATS',
      seats: 8,
      amountDueNow: { amount: 11_025 },
    });

    const more = await stack.app.graphql(
      SEATS,
      {
        input: {
          accountId: subscribed.account.id,
          seats: 8,
          prorationDate: preview.data!.previewPlanChange.prorationDate,
        },
      },
      { cookie: subscribed.cookie },
    );
    expect(more.data!.changeSeats.subscription).toEqual({ quantity: 8, plan: { key: 'team_monthly' } });
    await stack.settle();
    expect(
      await stack.knex('invoices').where({ accountId: subscribed.account.id, total: 11_025 }).first(),
    ).toMatchObject({ status: 'paid' });

    const tooFew = await stack.app.graphql(
      SEATS,
      { input: { accountId: subscribed.account.id, seats: 2 } },
      { cookie: subscribed.cookie },
    );
    expect(tooFew.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { seats: 'must be at least 3, the seats in use' },
    });
    const fewer = await stack.app.graphql(
      SEATS,
      { input: { accountId: subscribed.account.id, seats: 3 } },
      { cookie: subscribed.cookie },
    );
    expect(fewer.data!.changeSeats.subscription.quantity).toBe(3);
    await stack.settle();
    // Fewer seats leave a credit for the next invoice: unused 8 seats −29400, remaining 3 seats +11025.
    const totals = (await stack.knex('invoices').where({ accountId: subscribed.account.id })).map(
      (invoice) => invoice.total,
    );
    expect(totals).toContain(-18_375);
  });
});

describe('changes during a trial', () => {
  it('charge nothing now: the trial continues on the new plan and its first invoice is at the new price', async () => {
    const subscribed = await subscribeOnTestClock({
      stack,
      clock: time.clock,
      planKey: 'pro_monthly',
      trialDays: 14,
    });
    const variables = { accountId: subscribed.account.id, planId: await planId('max_monthly') };
    const preview = await stack.app.graphql(PREVIEW, variables, { cookie: subscribed.cookie });
    expect(preview.data!.previewPlanChange).toMatchObject({
      kind: 'UPGRADE',
      amountDueNow: { amount: 0, currency: 'usd' },
      lines: [],
      prorationDate: null,
    });

    const changed = await stack.app.graphql(CHANGE, { input: variables }, { cookie: subscribed.cookie });
    expect(changed.data!.changePlan).toMatchObject({
      kind: 'UPGRADE',
      subscription: { status: 'TRIALING', plan: { key: 'max_monthly' } },
    });
    await stack.settle();
    const charged = await stack
      .knex('invoices')
      .where({ accountId: subscribed.account.id })
      .where('total', '>', 0);
    expect(charged).toEqual([]);
    const upcoming = await stack.app.graphql(
      `query($id: ID!) { account(id: $id) { upcomingInvoice { total { amount } periodStart } } }`,
      { id: subscribed.account.id },
      { cookie: subscribed.cookie },
    );
    expect(upcoming.data!.account.upcomingInvoice).toEqual({
      total: { amount: 49_999 },
      periodStart: new Date(JAN_15_2026.getTime() + 14 * DAY_MS).toISOString(),
    });
  });
});

describe('downgrades wait for the end of the period', () => {
  it('schedules Max → Pro for the period end, can be undone, and renews at the Pro price', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'max_monthly' });
    const variables = { accountId: subscribed.account.id, planId: await planId('pro_monthly') };
    const preview = await stack.app.graphql(PREVIEW, variables, { cookie: subscribed.cookie });
    expect(preview.data!.previewPlanChange).toMatchObject({
      kind: 'DOWNGRADE',
      amountDueNow: { amount: 0 },
      effectiveAt: FEB_15_2026.toISOString(),
      prorationDate: null,
    });

    const scheduled = await stack.app.graphql(CHANGE, { input: variables }, { cookie: subscribed.cookie });
    expect(scheduled.data!.changePlan).toMatchObject({
      kind: 'DOWNGRADE',
      effectiveAt: FEB_15_2026.toISOString(),
      subscription: {
        plan: { key: 'max_monthly' },
        scheduledChange: {
          plan: { key: 'pro_monthly' },
          quantity: 1,
          effectiveAt: FEB_15_2026.toISOString(),
        },
      },
    });
    const undone = await stack.app.graphql(
      UNDO,
      { input: { accountId: subscribed.account.id } },
      { cookie: subscribed.cookie },
    );
    expect(undone.data!.cancelScheduledPlanChange.subscription.scheduledChange).toBeNull();
    await stack.app.graphql(CHANGE, { input: variables }, { cookie: subscribed.cookie });

    // Nothing happens before the lead time; just before the period ends, Stripe gets the new price.
    time.clock.set(new Date(FEB_15_2026.getTime() - SCHEDULED_CHANGE_LEAD_MS - 60_000));
    expect(await applyScheduledPlanChanges()).toBe(0);
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() - 5 * 60_000));
    expect(await applyScheduledPlanChanges()).toBe(1);
    expect(await applyScheduledPlanChanges()).toBe(0);
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * 3_600_000));

    const local = await stack
      .knex('subscriptions')
      .where({ stripeSubscriptionId: subscribed.subscription.id })
      .first();
    expect(local).toMatchObject({ status: 'active', scheduledPlanId: null, currentPeriodStart: FEB_15_2026 });
    expect((await stack.knex('plans').where({ id: local.planId }).first()).key).toBe('pro_monthly');
    const renewal = await stack
      .knex('invoices')
      .where({ accountId: subscribed.account.id })
      .orderBy('issuedAt', 'desc')
      .first();
    expect(renewal).toMatchObject({ total: 2999, status: 'paid', billingReason: 'subscription_cycle' });
  });

  it('treats yearly → monthly as a downgrade at the end of the year', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_yearly' });
    const { data } = await stack.app.graphql(
      CHANGE,
      { input: { accountId: subscribed.account.id, planId: await planId('pro_monthly') } },
      { cookie: subscribed.cookie },
    );
    expect(data!.changePlan).toMatchObject({
      kind: 'DOWNGRADE',
      effectiveAt: new Date(Date.UTC(2027, 0, 15, 12)).toISOString(),
    });
  });

  it('makes a move to the free plan a cancellation at the period end', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const { data } = await stack.app.graphql(
      CHANGE,
      { input: { accountId: subscribed.account.id, planId: await planId('free') } },
      { cookie: subscribed.cookie },
    );
    expect(data!.changePlan).toMatchObject({
      kind: 'DOWNGRADE',
      subscription: { status: 'ACTIVE', plan: { key: 'pro_monthly' } },
    });
    expect((await stack.stripe.subscriptions.retrieve(subscribed.subscription.id)).cancel_at_period_end).toBe(
      true,
    );
  });
});

describe('plan changes that are refused change nothing', () => {
  it('refuses changes without a paid subscription, to contact-sales plans, and to the same plan', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const fromFree = await stack.app.graphql(
      CHANGE,
      { input: { accountId: account.id, planId: await planId('pro_monthly') } },
      { cookie },
    );
    expect(fromFree.errors?.[0]).toMatchObject({
      extensions: { code: 'CONFLICT' },
      message: expect.stringContaining('Checkout'),
    });

    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const before = await stack
      .knex('subscriptions')
      .where({ accountId: subscribed.account.id })
      .orderBy('createdAt');
    for (const [key, code] of [
      ['enterprise', 'BAD_USER_INPUT'],
      ['pro_monthly', 'BAD_USER_INPUT'],
      ['pro_lifetime', 'BAD_USER_INPUT'],
    ] as const) {
      const { errors } = await stack.app.graphql(
        CHANGE,
        { input: { accountId: subscribed.account.id, planId: await planId(key) } },
        { cookie: subscribed.cookie },
      );
      expect(errors?.[0]?.extensions.code).toBe(code);
    }
    const { cookie: memberCookie } = await createMember({ role: 'member' });
    const stranger = await stack.app.graphql(
      CHANGE,
      { input: { accountId: subscribed.account.id, planId: await planId('max_monthly') } },
      { cookie: memberCookie },
    );
    expect(stranger.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect(
      await stack.knex('subscriptions').where({ accountId: subscribed.account.id }).orderBy('createdAt'),
    ).toEqual(before);
    expect(
      (await stack.stripe.subscriptions.retrieve(subscribed.subscription.id)).items.data[0]!.price.lookup_key,
    ).toBe('plan:pro_monthly:v1');
  });
});
