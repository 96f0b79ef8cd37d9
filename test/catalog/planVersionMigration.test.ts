import { applyScheduledPlanChanges } from '../../server/subscriptions/lifecycleJobs';
import { createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';
import type { Caller } from '../support/testApp';

/**
 * The operator moves the subscribers of an old plan version to a newer one, at their renewal or at once
 * with proration, after seeing who moves and by how much; a repeated run moves no one twice.
 */
const stack = useBillingStack();
const time = useFollowingClock();
let admin: Caller;

beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

const FEB_15_2026 = new Date(Date.UTC(2026, 1, 15, 12));
const CREATE = `mutation($input: PlanDraftInput!) { createPlanDraft(input: $input) { id version } }`;
const PUBLISH = `mutation($id: ID!) { publishPlan(id: $id) { id version status active } }`;
const FIELDS = `movedCount notMovedCount subscribers { accountId seats outcome reason effectiveAt
  currentPrice { amount currency } newPrice { amount } periodDifference { amount } }`;
const PREVIEW = `query($from: ID!, $to: ID!, $timing: PlanMigrationTiming!) {
  previewPlanVersionMigration(fromPlanId: $from, toPlanId: $to, timing: $timing) { ${FIELDS} } }`;
const MIGRATE = `mutation($input: MigratePlanVersionSubscribersInput!) {
  migratePlanVersionSubscribers(input: $input) { ${FIELDS} } }`;

async function draft(key: string, priceAmount: number, overrides: Record<string, unknown> = {}) {
  const input = {
    key,
    name: 'Studio',
    tier: 'studio',
    tierRank: 3,
    interval: 'MONTH',
    priceAmount,
    currency: 'usd',
    ...overrides,
  };
  const created = await stack.app.graphql(CREATE, { input }, admin);
  expect(created.errors).toBeUndefined();
  return created.data!.createPlanDraft.id as string;
}

async function publishVersion(key: string, priceAmount: number, overrides: Record<string, unknown> = {}) {
  const published = await stack.app.graphql(PUBLISH, { id: await draft(key, priceAmount, overrides) }, admin);
  expect(published.errors).toBeUndefined();
  return published.data!.publishPlan.id as string;
}

const newKey = () => unique('studio').replace(/-/g, '_');

describe('moving subscribers at their renewal', () => {
  it('previews the difference, schedules once, and renews at the new price', async () => {
    const key = newKey();
    const v1 = await publishVersion(key, 1000);
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: key });
    const v2 = await publishVersion(key, 1500);
    const variables = { from: v1, to: v2, timing: 'AT_RENEWAL' };

    const preview = await stack.app.graphql(PREVIEW, variables, admin);
    expect(preview.errors).toBeUndefined();
    expect(preview.data!.previewPlanVersionMigration).toEqual({
      movedCount: 0,
      notMovedCount: 0,
      subscribers: [
        {
          accountId: subscribed.account.id,
          seats: 1,
          outcome: 'PENDING',
          reason: null,
          effectiveAt: FEB_15_2026.toISOString(),
          currentPrice: { amount: 1000, currency: 'usd' },
          newPrice: { amount: 1500 },
          periodDifference: { amount: 500 },
        },
      ],
    });

    const input = { fromPlanId: v1, toPlanId: v2, timing: 'AT_RENEWAL' };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const migrated = await stack.app.graphql(MIGRATE, { input }, admin);
      expect(migrated.errors).toBeUndefined();
      expect(migrated.data!.migratePlanVersionSubscribers).toMatchObject({
        movedCount: 1,
        notMovedCount: 0,
        subscribers: [{ accountId: subscribed.account.id, outcome: 'SCHEDULED' }],
      });
    }
    expect(
      await stack
        .knex('audit_log')
        .where({ accountId: subscribed.account.id, action: 'subscription.migration_scheduled' }),
    ).toHaveLength(1);
    // The customer is told the new price once, before the renewal charges it.
    expect(
      await stack
        .knex('notifications')
        .where({ accountId: subscribed.account.id, kind: 'plan_change_scheduled' }),
    ).toEqual([expect.objectContaining({ bodyText: expect.stringContaining('$15.00 per month') })]);
    // Nothing is charged before the renewal.
    expect(
      await stack.knex('payments').where({ accountId: subscribed.account.id }).whereNot({ amount: 1000 }),
    ).toEqual([]);

    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() - 5 * 60_000));
    expect(await applyScheduledPlanChanges()).toBe(1);
    expect(
      await stack
        .knex('auditLog')
        .where({ accountId: subscribed.account.id, action: 'subscription.scheduled_change_applied' }),
    ).toEqual([expect.objectContaining({ details: { to: key, version: 2, seats: 1 } })]);
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * 3_600_000));
    const local = await stack
      .knex('subscriptions')
      .where({ stripeSubscriptionId: subscribed.subscription.id })
      .first();
    expect(local).toMatchObject({ status: 'active', planId: v2, scheduledPlanId: null });
    const renewal = await stack
      .knex('invoices')
      .where({ accountId: subscribed.account.id })
      .orderBy('issuedAt', 'desc')
      .first();
    expect(renewal).toMatchObject({ total: 1500, status: 'paid', billingReason: 'subscription_cycle' });
    expect(
      await stack.knex('notifications').where({ accountId: subscribed.account.id, kind: 'plan_changed' }),
    ).toHaveLength(1);
  });
});

describe('a subscriber’s own choice', () => {
  it('is kept: one leaving at the end of its period is skipped, with the reason, and not told', async () => {
    const key = newKey();
    const v1 = await publishVersion(key, 1000);
    const leaving = await subscribeOnTestClock({ stack, clock: time.clock, planKey: key });
    const v2 = await publishVersion(key, 1500);
    const canceled = await stack.app.graphql(
      `mutation($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) { subscription { cancelAtPeriodEnd } } }`,
      { input: { accountId: leaving.account.id } },
      { cookie: leaving.cookie },
    );
    expect(canceled.errors).toBeUndefined();

    for (const timing of ['AT_RENEWAL', 'NOW']) {
      const migrated = await stack.app.graphql(
        MIGRATE,
        { input: { fromPlanId: v1, toPlanId: v2, timing } },
        admin,
      );
      expect(migrated.errors).toBeUndefined();
      expect(migrated.data!.migratePlanVersionSubscribers).toMatchObject({
        movedCount: 0,
        notMovedCount: 1,
        subscribers: [
          { accountId: leaving.account.id, outcome: 'SKIPPED', reason: 'ends at the end of its period' },
        ],
      });
    }
    expect(
      await stack.knex('subscriptions').where({ stripeSubscriptionId: leaving.subscription.id }).first(),
    ).toMatchObject({ planId: v1, scheduledPlanId: null, cancelAtPeriodEnd: true });
    const stripeSubscription = await stack.stripe.subscriptions.retrieve(leaving.subscription.id);
    expect(stripeSubscription.items.data[0]!.price.lookup_key).toBe(`plan:${key}:v1`);
    expect(
      await stack
        .knex('notifications')
        .where({ accountId: leaving.account.id, kind: 'plan_change_scheduled' }),
    ).toEqual([]);
  });
});

describe('moving subscribers now', () => {
  it('prorates to the cent like an upgrade, and a repeated run moves no one twice', async () => {
    const key = newKey();
    const v1 = await publishVersion(key, 2000);
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: key });
    const v2 = await publishVersion(key, 5000);
    // Halfway through the 31-day period: unused v1 −1000, remaining v2 +2500.
    await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 15.5 * DAY_MS));

    const preview = await stack.app.graphql(
      `query($from: ID!, $to: ID!) { previewPlanVersionMigration(fromPlanId: $from, toPlanId: $to, timing: NOW) {
        subscribers { accountId periodDifference { amount } amountDueNow { amount currency } } } }`,
      { from: v1, to: v2 },
      admin,
    );
    expect(preview.errors).toBeUndefined();
    expect(preview.data!.previewPlanVersionMigration.subscribers).toEqual([
      {
        accountId: subscribed.account.id,
        periodDifference: { amount: 3000 },
        amountDueNow: { amount: 1500, currency: 'usd' },
      },
    ]);

    const input = { fromPlanId: v1, toPlanId: v2, timing: 'NOW' };
    const migrated = await stack.app.graphql(MIGRATE, { input }, admin);
    expect(migrated.errors).toBeUndefined();
    expect(migrated.data!.migratePlanVersionSubscribers).toMatchObject({
      movedCount: 1,
      subscribers: [{ accountId: subscribed.account.id, outcome: 'MIGRATED', effectiveAt: null }],
    });
    const again = await stack.app.graphql(MIGRATE, { input }, admin);
    expect(again.data!.migratePlanVersionSubscribers).toEqual({
      movedCount: 0,
      notMovedCount: 0,
      subscribers: [],
    });
    await stack.settle();

    expect(
      await stack.knex('payments').where({ accountId: subscribed.account.id, type: 'subscription_upgrade' }),
    ).toEqual([expect.objectContaining({ status: 'completed', amount: 1500 })]);
    expect(
      await stack.knex('subscriptions').where({ stripeSubscriptionId: subscribed.subscription.id }).first(),
    ).toMatchObject({ planId: v2 });
    const stripeSubscription = await stack.stripe.subscriptions.retrieve(subscribed.subscription.id);
    expect(stripeSubscription.items.data[0]!.price.lookup_key).toBe(`plan:${key}:v2`);
    expect(
      await stack.knex('notifications').where({ accountId: subscribed.account.id, kind: 'plan_changed' }),
    ).toHaveLength(1);
    const told = await stack.knex('partnerEvents').where({ accountId: subscribed.account.id });
    expect(told.map((event) => event.type)).toContain('subscription.updated');
  });
});

describe('moving subscribers now to a cheaper version', () => {
  it('credits the unused difference to the customer’s Stripe balance and charges nothing', async () => {
    const key = newKey();
    const v1 = await publishVersion(key, 5000);
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: key });
    const v2 = await publishVersion(key, 2000);
    // Halfway through the 31-day period: unused v1 −2500, remaining v2 +1000.
    await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 15.5 * DAY_MS));
    const paymentsBefore = await stack.knex('payments').where({ accountId: subscribed.account.id });

    const preview = await stack.app.graphql(
      `query($from: ID!, $to: ID!) { previewPlanVersionMigration(fromPlanId: $from, toPlanId: $to, timing: NOW) {
        subscribers { periodDifference { amount } amountDueNow { amount } } } }`,
      { from: v1, to: v2 },
      admin,
    );
    expect(preview.data!.previewPlanVersionMigration.subscribers).toEqual([
      { periodDifference: { amount: -3000 }, amountDueNow: { amount: -1500 } },
    ]);

    const migrated = await stack.app.graphql(
      MIGRATE,
      { input: { fromPlanId: v1, toPlanId: v2, timing: 'NOW' } },
      admin,
    );
    expect(migrated.data!.migratePlanVersionSubscribers).toMatchObject({ movedCount: 1 });
    await stack.settle();

    expect(
      await stack.knex('subscriptions').where({ stripeSubscriptionId: subscribed.subscription.id }).first(),
    ).toMatchObject({ planId: v2 });
    const customer = await stack.stripe.customers.retrieve(subscribed.customer.id);
    expect((customer as { balance: number }).balance).toBe(-1500);
    const charged = (await stack.knex('payments').where({ accountId: subscribed.account.id })).filter(
      (payment) => !paymentsBefore.some((before) => before.id === payment.id),
    );
    expect(charged.filter((payment) => payment.amount > 0 && payment.status === 'completed')).toEqual([]);

    // The next renewal charges the new price less the credit.
    await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 31 * DAY_MS + 2 * 3_600_000));
    const renewal = (await stack.stripe.invoices.list({ customer: subscribed.customer.id })).data.find(
      (invoice) => invoice.billing_reason === 'subscription_cycle',
    );
    expect(renewal).toMatchObject({ total: 2000, amount_due: 500, status: 'paid' });
    expect(await stack.knex('payments').where({ stripeInvoiceId: renewal!.id })).toEqual([
      expect.objectContaining({ amount: 500, status: 'completed' }),
    ]);
  });
});

describe('refusals', () => {
  it('names the field for a target it cannot move to, and changes nothing', async () => {
    const key = newKey();
    const v1 = await publishVersion(key, 1000);
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: key });
    const draftId = await draft(key, 1200);
    const euro = await publishVersion(newKey(), 1000, { currency: 'eur' });
    const yearly = await publishVersion(newKey(), 10_000, { interval: 'YEAR' });
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ toPlanId: v1 }, 'toPlanId', 'is the version being migrated from'],
      [{ toPlanId: draftId }, 'toPlanId', 'is draft, not published'],
      [{ toPlanId: euro }, 'toPlanId', 'is not in usd'],
      [{ toPlanId: yearly }, 'toPlanId', 'is not billed every month'],
      [{ fromPlanId: '00000000-0000-4000-8000-000000000000' }, 'fromPlanId', 'is not a plan'],
      [{ toPlanId: 'nope' }, 'toPlanId', 'is not a to plan id'],
    ];
    for (const [override, field, message] of cases) {
      const input = { fromPlanId: v1, toPlanId: v1, timing: 'NOW', ...override };
      const refused = await stack.app.graphql(MIGRATE, { input }, admin);
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { [field]: message },
      });
    }
    expect(
      await stack.knex('subscriptions').where({ stripeSubscriptionId: subscribed.subscription.id }).first(),
    ).toMatchObject({ planId: v1, scheduledPlanId: null });
  });

  it('is refused to the account’s own owner', async () => {
    const key = newKey();
    const v1 = await publishVersion(key, 1000);
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: key });
    const v2 = await publishVersion(key, 1500);
    const refused = await stack.app.graphql(
      MIGRATE,
      { input: { fromPlanId: v1, toPlanId: v2, timing: 'NOW' } },
      { cookie: subscribed.cookie },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(
      await stack.knex('subscriptions').where({ stripeSubscriptionId: subscribed.subscription.id }).first(),
    ).toMatchObject({ planId: v1 });
  });
});
