import { monthlyRecurringRevenue } from '../../server/metrics/recurringRevenue';
import { createAccount, createPlan, createUser, sessionCookieFor, unique } from '../factories';
import { createDemoCatalog } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let admin: { cookie: string };

const at = (month: number, day: number) => new Date(Date.UTC(2026, month - 1, day));
const planId = async (key: string) =>
  (await db.knex('plans').where({ key, active: true }).first()).id as string;

/** A subscription row as the webhooks would have left it: the metrics read nothing else. */
async function subscription(planKey: string, fields: Record<string, unknown>) {
  const account = await createAccount();
  await db
    .knex('subscriptions')
    .where({ accountId: account.id })
    .update({ status: 'canceled', endedAt: fields.startedAt });
  await db.knex('subscriptions').insert({
    accountId: account.id,
    planId: await planId(planKey),
    status: 'active',
    quantity: 1,
    currentPeriodStart: fields.startedAt,
    stripeSubscriptionId: unique('sub'),
    ...fields,
  });
  return account;
}

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };

  await subscription('pro_monthly', { startedAt: at(1, 5) });
  await subscription('pro_yearly', { startedAt: at(1, 20) });
  await subscription('team_monthly', { startedAt: at(2, 3), quantity: 3 });
  // Trialing at the end of the range: not paying yet.
  await subscription('max_monthly', {
    status: 'trialing',
    startedAt: at(2, 20),
    trialStart: at(2, 20),
    trialEnd: at(3, 20),
  });
  // Churned during February, after a trial that converted in January.
  await subscription('pro_monthly', {
    status: 'canceled',
    startedAt: at(1, 2),
    trialStart: at(1, 2),
    trialEnd: at(1, 9),
    endedAt: at(2, 14),
  });
  // A trial that ended in February without converting.
  await subscription('starter_monthly', {
    status: 'expired',
    stripeSubscriptionId: null,
    startedAt: at(2, 1),
    trialStart: at(2, 1),
    trialEnd: at(2, 8),
    endedAt: at(2, 8),
  });

  const paying = await createAccount();
  const payment = (fields: Record<string, unknown>) => ({
    accountId: paying.id,
    currency: 'usd',
    type: 'subscription_payment',
    status: 'completed',
    ...fields,
  });
  const [charge] = await db
    .knex('payments')
    .insert([
      payment({ amount: 2999, createdAt: at(2, 5) }),
      payment({ amount: 4999, createdAt: at(2, 6), status: 'failed' }),
    ])
    .returning('id');
  await db
    .knex('payments')
    .insert(payment({ type: 'refund', amount: 999, refundedPaymentId: charge.id, createdAt: at(2, 7) }));
});
afterAll(() => app.close());

const METRICS = `query($from: DateTime!, $to: DateTime!) { revenueMetrics(from: $from, to: $to) {
  mrr arr arpu payingAccounts churnBasisPoints trialConversionBasisPoints trialsEnded
  subscriptionsByTier { tier count } failedPayments { count amount }
  series { at mrr payingAccounts collected refunded failedPayments }
} }`;

describe('revenue metrics', () => {
  it('computes MRR from monthly and yearly plans in integers, rounding each half up', () => {
    expect(monthlyRecurringRevenue({ priceAmount: 28_800, quantity: 1, billingInterval: 'year' })).toBe(2400);
    expect(monthlyRecurringRevenue({ priceAmount: 99_900, quantity: 1, billingInterval: 'year' })).toBe(8325);
    expect(monthlyRecurringRevenue({ priceAmount: 1_000, quantity: 1, billingInterval: 'year' })).toBe(83);
    expect(monthlyRecurringRevenue({ priceAmount: 1_002, quantity: 1, billingInterval: 'year' })).toBe(84);
    expect(monthlyRecurringRevenue({ priceAmount: 4900, quantity: 3, billingInterval: 'month' })).toBe(
      14_700,
    );
    expect(monthlyRecurringRevenue({ priceAmount: 29_900, quantity: 1, billingInterval: 'lifetime' })).toBe(
      0,
    );
  });

  it('answers how revenue is doing, for February', async () => {
    const { data, errors } = await app.graphql(
      METRICS,
      { from: at(2, 1).toISOString(), to: at(3, 1).toISOString() },
      admin,
    );
    expect(errors).toBeUndefined();
    const metrics = data!.revenueMetrics;
    // Pro 2999 + Pro yearly 28800 / 12 + Team 3 × 4900.
    expect(metrics).toMatchObject({ mrr: 20_099, arr: 241_188, payingAccounts: 3, arpu: 6700 });
    // One of the three paid subscriptions live on Feb 1 ended in February.
    expect(metrics.churnBasisPoints).toBe(3333);
    // Of the trials that ended in February (one), none converted.
    expect(metrics).toMatchObject({ trialsEnded: 1, trialConversionBasisPoints: 0 });
    expect(metrics.failedPayments).toEqual({ count: 1, amount: 4999 });
    expect(metrics.subscriptionsByTier).toEqual([
      { tier: 'pro', count: 2 },
      { tier: 'team', count: 1 },
      { tier: 'max', count: 1 },
    ]);
    expect(metrics.series).toEqual([
      {
        at: at(2, 1).toISOString(),
        mrr: 2999 + 2400 + 2999,
        payingAccounts: 3,
        collected: 2999,
        refunded: 999,
        failedPayments: 1,
      },
    ]);
  });

  it('draws a daily series', async () => {
    const { data } = await app.graphql(
      `query { revenueMetrics(from: "2026-02-13T00:00:00Z", to: "2026-02-16T00:00:00Z", granularity: DAY) { series { at mrr } } }`,
      {},
      admin,
    );
    expect(data!.revenueMetrics.series).toEqual([
      { at: '2026-02-13T00:00:00.000Z', mrr: 2999 + 2400 + 14_700 + 2999 },
      { at: '2026-02-14T00:00:00.000Z', mrr: 2999 + 2400 + 14_700 },
      { at: '2026-02-15T00:00:00.000Z', mrr: 2999 + 2400 + 14_700 },
    ]);
  });

  it('counts a subscription at the plan and seats it had on each day, not at those it has now', async () => {
    // In a currency of its own, so that the other subscriptions here do not count.
    const basic = await createPlan({ currency: 'chf', priceAmount: 1000 });
    const premium = await createPlan({ currency: 'chf', priceAmount: 5000 });
    const account = await createAccount();
    await db
      .knex('subscriptions')
      .where({ accountId: account.id })
      .update({ status: 'canceled', endedAt: at(1, 10) });
    const [{ id }] = await db
      .knex('subscriptions')
      .insert({
        accountId: account.id,
        planId: basic.id,
        status: 'active',
        quantity: 1,
        startedAt: at(1, 10),
        currentPeriodStart: at(1, 10),
        stripeSubscriptionId: unique('sub'),
      })
      .returning('id');
    // The customer upgrades and adds seats today.
    await db.knex('subscriptions').where({ id }).update({ planId: premium.id });
    await db.knex('subscriptions').where({ id }).update({ quantity: 2 });

    const tomorrow = new Date(Date.now() + 86_400_000);
    const { data, errors } = await app.graphql(
      `query($to: DateTime!) { revenueMetrics(from: "2026-02-01T00:00:00Z", to: $to, currency: "chf") { mrr series { at mrr } } }`,
      { to: tomorrow.toISOString() },
      admin,
    );
    expect(errors).toBeUndefined();
    expect(data!.revenueMetrics.series[0]).toEqual({ at: '2026-02-01T00:00:00.000Z', mrr: 1000 });
    expect(data!.revenueMetrics.mrr).toBe(2 * 5000);
    const history = await db.knex('subscriptionPlanHistory').where({ subscriptionId: id }).orderBy('id');
    expect(history.map((row) => [row.planId, row.quantity, row.effectiveTo === null])).toEqual([
      [basic.id, 1, false],
      [premium.id, 1, false],
      [premium.id, 2, true],
    ]);
  });

  it('is for platform admins only, and refuses a backwards range', async () => {
    const member = { cookie: await sessionCookieFor(await createUser()) };
    expect(
      (await app.graphql(METRICS, { from: at(2, 1).toISOString(), to: at(3, 1).toISOString() }, member))
        .errors?.[0]?.extensions.code,
    ).toBe('FORBIDDEN');
    const backwards = await app.graphql(
      METRICS,
      { from: at(3, 1).toISOString(), to: at(2, 1).toISOString() },
      admin,
    );
    expect(backwards.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { to: 'must be after from' },
    });
  });
});
