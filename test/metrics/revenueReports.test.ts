import { parseCrontab } from 'graphile-worker';
import type { UserActor } from '../../server/auth/actor';
import { ManualClock, useClock } from '../../server/clock';
import {
  generateRevenueReport,
  listRevenueReports,
  monthBefore,
  produceMonthlyRevenueReport,
} from '../../server/metrics/revenueReports';
import { CRONTAB } from '../../server/jobs/tasks';
import {
  createAccount,
  createDemoCatalog,
  createPlan,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

/**
 * The monthly revenue report for January 2026, from payments in two currencies, a refund, a charge that
 * was paid across the month's end and failed charges on either side of it, and subscriptions that
 * started and ended in the month. Every figure below is worked out by hand from these rows.
 */
const db = useTestDatabase();
let app: TestApp;
let admin: UserActor;
let adminCookie: string;
let secondAdminEmail: string;
let restoreClock: () => void;
const clock = new ManualClock(new Date('2026-02-01T00:07:00Z'));

const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  restoreClock = useClock(clock);
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  const first = await createUser({ isPlatformAdmin: true, email: `${unique('first-admin')}@example.com` });
  const second = await createUser({ isPlatformAdmin: true, email: `${unique('second-admin')}@example.com` });
  await createUser({ isPlatformAdmin: false });
  admin = { kind: 'user', userId: first.id, sessionId: null, isPlatformAdmin: true };
  adminCookie = await sessionCookieFor(first);
  secondAdminEmail = second.email;

  const euroPlan = await createPlan({
    currency: 'eur',
    priceAmount: 5000,
    tier: 'euro',
    key: unique('euro'),
  });
  const proMonthly = (await db.knex('plans').where({ key: 'pro_monthly', active: true }).first()).id;
  const subscription = async (planId: string, fields: Record<string, unknown>) => {
    const account = await createAccount();
    await db
      .knex('subscriptions')
      .where({ accountId: account.id })
      .update({ status: 'canceled', endedAt: at('2025-11-01T00:00:00Z') });
    await db.knex('subscriptions').insert({
      accountId: account.id,
      planId,
      status: 'active',
      quantity: 1,
      currentPeriodStart: fields.startedAt,
      stripeSubscriptionId: unique('sub'),
      ...fields,
    });
  };
  // USD: one Pro (2999) started in January and still live; one Pro live since December that ended on
  // January 20. EUR: one plan at 5000 started in January.
  await subscription(proMonthly, { startedAt: at('2026-01-05T10:00:00Z') });
  await subscription(proMonthly, {
    startedAt: at('2025-12-10T00:00:00Z'),
    status: 'canceled',
    endedAt: at('2026-01-20T00:00:00Z'),
  });
  await subscription(euroPlan.id, { startedAt: at('2026-01-12T00:00:00Z') });

  const paying = await createAccount();
  const payment = (fields: Record<string, unknown>) => ({
    accountId: paying.id,
    type: 'subscription_payment',
    status: 'completed',
    currency: 'usd',
    ...fields,
  });
  const [charge] = await db
    .knex('payments')
    .insert([
      payment({
        amount: 2999,
        createdAt: at('2026-01-05T10:00:00Z'),
        completedAt: at('2026-01-05T10:00:01Z'),
      }),
      payment({
        type: 'credit_top_up',
        amount: 1000,
        credits: 50_000,
        creditPackageId: (await db.knex('creditPackages').first()).id,
        createdAt: at('2026-01-08T00:00:00Z'),
        completedAt: at('2026-01-08T00:00:00Z'),
      }),
      payment({
        currency: 'eur',
        amount: 5000,
        createdAt: at('2026-01-12T00:00:00Z'),
        completedAt: at('2026-01-12T00:00:00Z'),
      }),
      // Recorded in January, paid in February: February's money.
      payment({
        amount: 4000,
        createdAt: at('2026-01-31T23:50:00Z'),
        completedAt: at('2026-02-01T00:05:00Z'),
      }),
      // Failed on either side of midnight: one in January, one in February.
      payment({ status: 'failed', amount: 2999, createdAt: at('2026-01-31T23:59:59Z'), completedAt: null }),
      payment({ status: 'failed', amount: 7000, createdAt: at('2026-02-01T00:00:00Z'), completedAt: null }),
      // December's money.
      payment({
        amount: 1234,
        createdAt: at('2025-12-31T12:00:00Z'),
        completedAt: at('2025-12-31T12:00:00Z'),
      }),
    ])
    .returning('id');
  await db.knex('payments').insert(
    payment({
      type: 'refund',
      amount: 500,
      refundedPaymentId: charge.id,
      createdAt: at('2026-01-25T00:00:00Z'),
      completedAt: at('2026-01-25T00:00:00Z'),
    }),
  );
});
afterAll(async () => {
  restoreClock();
  await app.close();
});

const JANUARY = {
  eur: {
    currency: 'eur',
    grossCollected: 5000,
    refunded: 0,
    net: 5000,
    newSubscriptions: 1,
    cancellations: 0,
    mrrAtMonthEnd: 5000,
    creditsSold: 0,
    failedPayments: 0,
    failedAmount: 0,
  },
  usd: {
    currency: 'usd',
    // The Pro charge and the credit pack; not the charge paid on February 1, nor December's.
    grossCollected: 2999 + 1000,
    refunded: 500,
    net: 2999 + 1000 - 500,
    newSubscriptions: 1,
    cancellations: 1,
    // The Pro started on January 5; the one that ended on January 20 no longer counts.
    mrrAtMonthEnd: 2999,
    creditsSold: 50_000,
    failedPayments: 1,
    failedAmount: 2999,
  },
};

describe('the monthly revenue report', () => {
  it('runs on the 1st, made up within days if missed, and reports the month before the app’s clock', () => {
    const item = parseCrontab(CRONTAB).find((candidate) => candidate.task === 'produce_revenue_report');
    expect(item?.options.backfillPeriod).toBe(6 * 86_400_000);
    expect(CRONTAB).toMatch(/^7 0 1 \* \* produce_revenue_report /m);
    expect(monthBefore(new Date('2026-01-01T00:07:00Z'))).toBe('2025-12');
    expect(monthBefore(new Date('2026-03-06T23:59:59Z'))).toBe('2026-02');
  });

  it('is made on the 1st for the month before, once, and emailed to each platform admin once', async () => {
    expect(await produceMonthlyRevenueReport()).toEqual({ month: '2026-01', emailed: 2 });
    clock.advance(60_000);
    expect(await produceMonthlyRevenueReport()).toEqual({ month: '2026-01', emailed: 0 });

    const reports = await db.knex('revenueReports');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ month: '2026-01', figures: JANUARY });
    const emails = await db
      .knex('notifications')
      .where({ kind: 'admin.revenue_report' })
      .orderBy('recipient');
    expect(emails).toHaveLength(2);
    expect(emails.map((email) => email.recipient)).toContain(secondAdminEmail);
    expect(emails[0].subject).toBe('Revenue report for January 2026');
    expect(emails[0].bodyText).toContain('Collected $39.99, refunded $5.00, net $34.99');
    expect(emails[0].bodyText).toContain('/admin/reports/2026-01');
    expect(await db.knex('auditLog').where({ action: 'revenue_report.generated' })).toHaveLength(1);
  });

  it('is read through the API, its figures per currency in Money', async () => {
    const { data, errors } = await app.graphql(
      `{ revenueReports { month } revenueReport(month: "2026-01") { month currencies {
          currency grossCollected { amount currency } refunded { amount } net { amount } newSubscriptions
          cancellations mrrAtMonthEnd { amount } creditsSoldMilliCredits failedPayments failedAmount { amount } } }
         none: revenueReport(month: "2025-06") { month } }`,
      {},
      { cookie: adminCookie },
    );
    expect(errors).toBeUndefined();
    expect(data!.revenueReports).toEqual([{ month: '2026-01' }]);
    expect(data!.none).toBeNull();
    expect(data!.revenueReport.currencies).toEqual([
      {
        currency: 'eur',
        grossCollected: { amount: 5000, currency: 'eur' },
        refunded: { amount: 0 },
        net: { amount: 5000 },
        newSubscriptions: 1,
        cancellations: 0,
        mrrAtMonthEnd: { amount: 5000 },
        creditsSoldMilliCredits: 0,
        failedPayments: 0,
        failedAmount: { amount: 0 },
      },
      {
        currency: 'usd',
        grossCollected: { amount: 3999, currency: 'usd' },
        refunded: { amount: 500 },
        net: { amount: 3499 },
        newSubscriptions: 1,
        cancellations: 1,
        mrrAtMonthEnd: { amount: 2999 },
        creditsSoldMilliCredits: 50_000,
        failedPayments: 1,
        failedAmount: { amount: 2999 },
      },
    ]);
  });

  it('is generated again on demand, replacing the stored figures, and audited', async () => {
    // A refund of January recorded late.
    const [charge] = await db.knex('payments').where({ amount: 2999, status: 'completed' });
    await db.knex('payments').insert({
      accountId: charge.accountId,
      type: 'refund',
      status: 'completed',
      currency: 'usd',
      amount: 100,
      refundedPaymentId: charge.id,
      createdAt: at('2026-01-30T00:00:00Z'),
      completedAt: at('2026-01-30T00:00:00Z'),
    });
    const { data, errors } = await app.graphql(
      `mutation { generateRevenueReport(month: "2026-01") { month currencies { currency refunded { amount } net { amount } } } }`,
      {},
      { cookie: adminCookie },
    );
    expect(errors).toBeUndefined();
    expect(data!.generateRevenueReport.currencies).toEqual([
      { currency: 'eur', refunded: { amount: 0 }, net: { amount: 5000 } },
      { currency: 'usd', refunded: { amount: 600 }, net: { amount: 3399 } },
    ]);
    const reports = await listRevenueReports({ actor: admin });
    expect(reports).toHaveLength(1);
    expect(reports[0].figures.usd).toEqual({ ...JANUARY.usd, refunded: 600, net: 3399 });
    const audits = await db.knex('auditLog').where({ action: 'revenue_report.generated' }).orderBy('id');
    expect(audits).toHaveLength(2);
    expect(audits[1]).toMatchObject({
      actorType: 'user',
      actorId: admin.userId,
      details: { month: '2026-01' },
    });
    // Generating again sends no second email.
    expect(await db.knex('notifications').where({ kind: 'admin.revenue_report' })).toHaveLength(2);
  });

  it('refuses a month that is not over, or not a month, and changes nothing', async () => {
    await expect(generateRevenueReport({ actor: admin, month: '2026-02' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { month: 'is not over yet' },
    });
    for (const month of ['2026-13', 'January', '2026-1']) {
      const { errors } = await app.graphql(
        `mutation($month: String!) { generateRevenueReport(month: $month) { month } }`,
        { month },
        { cookie: adminCookie },
      );
      expect(errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { month: expect.stringContaining('YYYY-MM') },
      });
    }
    expect(await db.knex('revenueReports').pluck('month')).toEqual(['2026-01']);
  });

  it('is refused to everyone but platform admins', async () => {
    const member = await sessionCookieFor(await createUser());
    for (const operation of [
      '{ revenueReports { month } }',
      '{ revenueReport(month: "2026-01") { month } }',
      'mutation { generateRevenueReport(month: "2025-12") { month } }',
    ]) {
      const { errors } = await app.graphql(operation, {}, { cookie: member });
      expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await db.knex('revenueReports').pluck('month')).toEqual(['2026-01']);
  });
});
