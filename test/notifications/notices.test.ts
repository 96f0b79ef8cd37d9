import { Model } from 'objection';
import { sendPlatformAlerts } from '../../server/admin/platformAlerts';
import { ManualClock, useClock } from '../../server/clock';
import { Payment } from '../../server/payments/Payment';
import { recordPaymentSettled } from '../../server/payments/paymentSettled';
import { sendExpiryReminders } from '../../server/subscriptions/reminders';
import { Subscription } from '../../server/subscriptions/Subscription';
import {
  createAccount,
  createDemoCatalog,
  createPayment,
  createPlan,
  createUser,
  grantTestCredits,
  unique,
} from '../factories';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
beforeAll(() => createDemoCatalog(db.knex));
const DAY = 86_400_000;
const NOW = new Date('2026-12-04T08:00:00Z');
let restoreClock: () => void;
beforeEach(() => {
  restoreClock = useClock(new ManualClock(NOW));
});
afterEach(() => restoreClock());

const sent = (where: Record<string, unknown>) =>
  db
    .knex('notifications')
    .where(where)
    .orderBy('createdAt')
    .select('kind', 'recipient', 'subject', 'bodyText', 'bodyHtml');

/** The account's current subscription (the free plan it started on), moved onto a plan and period. */
async function subscription(accountId: string, fields: Partial<Subscription> & { planId: string }) {
  return Subscription.query()
    .where({ accountId })
    .patch({
      status: 'active',
      quantity: 1,
      currentPeriodStart: new Date(NOW.getTime() - 20 * DAY),
      currentPeriodEnd: new Date(NOW.getTime() + 10 * DAY),
      cancelAtPeriodEnd: false,
      startedAt: new Date(NOW.getTime() - 20 * DAY),
      ...fields,
    });
}

describe('receipts', () => {
  it('go out once when a payment completes, however often its completion is recorded', async () => {
    const account = await createAccount({ billingEmail: 'ap@receipts.test' });
    await db.knex('accounts').where({ id: account.id }).update({ locale: 'de-DE' });
    const plan = await createPlan({ name: 'Team', priceAmount: 4900, currency: 'eur' });
    const pending = await createPayment({
      accountId: account.id,
      status: 'pending',
      amount: 4900,
      currency: 'eur',
      planId: plan.id,
      completedAt: null,
    });
    const completed = await Payment.query().patchAndFetchById(pending.id, {
      status: 'completed',
      completedAt: NOW,
    });
    for (let attempt = 0; attempt < 2; attempt += 1)
      await Model.knex().transaction((trx) =>
        recordPaymentSettled({ trx, before: pending, after: completed }),
      );
    const [receipt, ...others] = await sent({ accountId: account.id });
    expect(others).toEqual([]);
    expect(receipt).toMatchObject({
      kind: 'payment.receipt',
      recipient: 'ap@receipts.test',
      subject: 'Beleg für Ihre Zahlung über 49,00 €',
    });
    expect(receipt.bodyText).toContain('Für: Team subscription');
    expect(receipt.bodyHtml).toContain('49,00 €');
  });

  it('are not sent for a failed payment, a refund or a payment that was already completed', async () => {
    const account = await createAccount({ billingEmail: 'ap@no-receipt.test' });
    const failed = await createPayment({ accountId: account.id, status: 'failed', completedAt: null });
    const completed = await createPayment({ accountId: account.id });
    const refund = await createPayment({
      accountId: account.id,
      type: 'refund',
      refundedPaymentId: completed.id,
    });
    await Model.knex().transaction(async (trx) => {
      await recordPaymentSettled({ trx, before: null, after: failed });
      await recordPaymentSettled({ trx, before: completed, after: completed });
      await recordPaymentSettled({ trx, before: null, after: refund });
    });
    expect(await sent({ accountId: account.id })).toEqual([]);
  });

  it('confirm a credit purchase with the credits bought', async () => {
    const account = await createAccount({ billingEmail: 'ap@credits.test' });
    const payment = await createPayment({
      accountId: account.id,
      type: 'credit_top_up',
      creditPackageId: (await db.knex('credit_packages').first()).id,
      amount: 2000,
      credits: 250_000,
      automatic: true,
    });
    await Model.knex().transaction((trx) => recordPaymentSettled({ trx, before: null, after: payment }));
    const [notice] = await sent({ accountId: account.id });
    expect(notice).toMatchObject({ kind: 'credits.purchased', subject: '250 credits added to your account' });
    expect(notice.bodyText).toContain('your automatic top-up bought 250 credits for $20.00');
  });
});

describe('expiry reminders', () => {
  it('recall a subscription that ends within three days, once, and not one that renews', async () => {
    const plan = await createPlan({ name: 'Pro' });
    const ending = await createAccount({ billingEmail: 'ending@reminders.test' });
    const later = await createAccount({ billingEmail: 'later@reminders.test' });
    const renewing = await createAccount({ billingEmail: 'renewing@reminders.test' });
    await subscription(ending.id, {
      planId: plan.id,
      cancelAtPeriodEnd: true,
      currentPeriodEnd: new Date(NOW.getTime() + 2 * DAY),
    });
    await subscription(later.id, {
      planId: plan.id,
      cancelAtPeriodEnd: true,
      currentPeriodEnd: new Date(NOW.getTime() + 5 * DAY),
    });
    await subscription(renewing.id, { planId: plan.id, currentPeriodEnd: new Date(NOW.getTime() + 2 * DAY) });

    await sendExpiryReminders();
    await sendExpiryReminders();

    expect(await sent({ accountId: ending.id })).toEqual([
      expect.objectContaining({
        kind: 'subscription.ending_soon',
        subject: 'Your Pro subscription ends on Dec 6, 2026',
      }),
    ]);
    expect(await sent({ accountId: later.id })).toEqual([]);
    expect(await sent({ accountId: renewing.id })).toEqual([]);
  });

  it('announce a yearly renewal a week ahead with its price, and leave monthly renewals alone', async () => {
    const yearly = await createPlan({ name: 'Annual', billingInterval: 'year', priceAmount: 49_000 });
    const monthly = await createPlan({ name: 'Monthly' });
    const annualAccount = await createAccount({ billingEmail: 'annual@reminders.test' });
    const monthlyAccount = await createAccount({ billingEmail: 'monthly@reminders.test' });
    const inSixDays = new Date(NOW.getTime() + 6 * DAY);
    await subscription(annualAccount.id, {
      planId: yearly.id,
      stripeSubscriptionId: unique('sub'),
      currentPeriodEnd: inSixDays,
    });
    await subscription(monthlyAccount.id, {
      planId: monthly.id,
      stripeSubscriptionId: unique('sub'),
      currentPeriodEnd: inSixDays,
    });

    await sendExpiryReminders();
    await sendExpiryReminders();

    const [reminder, ...others] = await sent({ accountId: annualAccount.id });
    expect(others).toEqual([]);
    expect(reminder).toMatchObject({
      kind: 'subscription.renewal_reminder',
      subject: 'Your Annual subscription renews on Dec 10, 2026',
    });
    expect(reminder.bodyText).toContain('for $490.00 per year');
    expect(await sent({ accountId: monthlyAccount.id })).toEqual([]);
  });

  it('warn of bought credits that expire within the week, summed per expiry date, but not of an allowance', async () => {
    const account = await createAccount({ billingEmail: 'credits@reminders.test' });
    const expiresAt = new Date(NOW.getTime() + 3 * DAY);
    await grantTestCredits({ accountId: account.id, amount: 10_000, expiresAt });
    await grantTestCredits({ accountId: account.id, amount: 2_500, expiresAt });
    await grantTestCredits({
      accountId: account.id,
      amount: 7_000,
      expiresAt: new Date(NOW.getTime() + 30 * DAY),
    });
    await grantTestCredits({ accountId: account.id, amount: 5_000, expiresAt, source: 'plan_allowance' });

    await sendExpiryReminders();
    await sendExpiryReminders();

    expect(await sent({ accountId: account.id })).toEqual([
      expect.objectContaining({ kind: 'credits.expiring', subject: '12.5 credits expire on Dec 7, 2026' }),
    ]);
  });
});

describe('platform alerts', () => {
  async function stripeEvent(status: 'processed' | 'failed', receivedAt: Date) {
    await db.knex('stripe_events').insert({
      id: unique('evt'),
      type: 'invoice.paid',
      livemode: false,
      payload: {},
      status,
      attempts: 1,
      lastError: status === 'failed' ? 'connection refused' : null,
      stripeCreatedAt: receivedAt,
      receivedAt,
    });
  }

  it('tell every platform admin once when more than five Stripe events in a row fail', async () => {
    const admins = [await createUser({ isPlatformAdmin: true }), await createUser({ isPlatformAdmin: true })];
    await stripeEvent('processed', new Date(NOW.getTime() - 60_000));
    for (let index = 0; index < 5; index += 1)
      await stripeEvent('failed', new Date(NOW.getTime() - 50_000 + index));
    await sendPlatformAlerts();
    expect(await sent({ kind: 'admin.stripe_events_failing' })).toEqual([]);

    await stripeEvent('failed', new Date(NOW.getTime() - 1_000));
    await sendPlatformAlerts();
    await stripeEvent('failed', new Date(NOW.getTime() - 500));
    await sendPlatformAlerts();

    const alerts = await sent({ kind: 'admin.stripe_events_failing' });
    expect(alerts.map((alert) => alert.recipient).sort()).toEqual(admins.map((admin) => admin.email).sort());
    expect(alerts[0]!.subject).toBe('Stripe events are failing: 6 in a row');
    expect(alerts[0]!.bodyText).toContain('invoice.paid, failed with: connection refused');

    // A processed event ends the streak; a new streak is a new alert.
    await stripeEvent('processed', new Date(NOW.getTime() - 400));
    for (let index = 0; index < 6; index += 1)
      await stripeEvent('failed', new Date(NOW.getTime() - 300 + index));
    await sendPlatformAlerts();
    expect(await sent({ kind: 'admin.stripe_events_failing' })).toHaveLength(4);
  });

  it('tell platform admins when a day’s revenue in a currency fell more than 10% below the day before', async () => {
    await db.knex('notifications').where({ kind: 'admin.revenue_drop' }).delete();
    await db.knex('payments').delete();
    const admin = await createUser({ isPlatformAdmin: true });
    const account = await createAccount();
    const dayBefore = new Date('2026-12-02T15:00:00Z');
    const yesterday = new Date('2026-12-03T15:00:00Z');
    // USD: 100.00 then 80.00 (a 20% drop). EUR: 100.00 then 95.00 (5%: no alert). GBP: nothing the day before.
    await createPayment({ accountId: account.id, amount: 6000, currency: 'usd', completedAt: dayBefore });
    await createPayment({ accountId: account.id, amount: 4000, currency: 'usd', completedAt: dayBefore });
    await createPayment({ accountId: account.id, amount: 8000, currency: 'usd', completedAt: yesterday });
    await createPayment({
      accountId: account.id,
      amount: 9999,
      currency: 'usd',
      type: 'refund',
      refundedPaymentId: (
        await createPayment({ accountId: account.id, amount: 9999, completedAt: new Date('2026-11-01') })
      ).id,
      completedAt: yesterday,
    });
    await createPayment({ accountId: account.id, amount: 10000, currency: 'eur', completedAt: dayBefore });
    await createPayment({ accountId: account.id, amount: 9500, currency: 'eur', completedAt: yesterday });
    await createPayment({ accountId: account.id, amount: 100, currency: 'gbp', completedAt: yesterday });
    // Today's payments do not count yet.
    await createPayment({ accountId: account.id, amount: 1, currency: 'eur', completedAt: NOW });

    await sendPlatformAlerts();
    await sendPlatformAlerts();

    const alerts = await sent({ kind: 'admin.revenue_drop', recipient: admin.email });
    expect(alerts.map((alert) => alert.subject)).toEqual(['Revenue in USD fell 20% on Dec 3, 2026']);
    expect(alerts[0]!.bodyText).toContain('was $80.00, 20% below the $100.00 of Dec 2, 2026');
  });
});
