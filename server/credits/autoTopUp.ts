import type { Knex } from 'knex';
import { withinJobScope, type JobScope } from '../testClocks/jobScope';
import { Model } from 'objection';
import { settings as billingSettings } from '../settings';
import { Account } from '../accounts/Account';
import { systemActor } from '../auth/actor';
import { CreditPackage } from '../catalog/CreditPackage';
import { now } from '../clock';
import { eachOnItsOwn } from '../jobs/eachOnItsOwn';
import { enqueueAccountNotification } from '../notifications/outbox';
import { recordAutoTopUpSettled } from '../partnerWebhooks/events';
import { recordPaymentSettled } from '../payments/paymentSettled';
import { Payment } from '../payments/Payment';
import { faultPoint } from '../faultPoints';
import { chargeOffSession, findPaymentIntentOutcomeOfPayment } from '../stripe/paymentIntents';
import { AutoTopUpSettings } from './AutoTopUpSettings';
import { GRANT_PRIORITY } from './CreditGrant';
import { grantCredits } from './grants';

/** After this many failed attempts in a row, automatic top-up switches itself off. */
export const MAX_CONSECUTIVE_FAILURES = 3;

/**
 * Buys the account's configured package off-session when its balance is below the threshold. At most
 * one top-up is in flight per account: the payment is claimed on the settings row, under its lock,
 * before Stripe is called, and the claim is cleared only when the payment settles. Returns the payment,
 * or null when nothing was due.
 */
export async function triggerAutoTopUp({ accountId }: { accountId: string }): Promise<Payment | null> {
  const claimed = await Model.knex().transaction(async (trx) => {
    const settings = await AutoTopUpSettings.query(trx).findById(accountId).forUpdate();
    if (!settings?.enabled || settings.inFlightPaymentId) return null;
    const balance = await trx('creditBalances').where({ accountId }).first();
    if (!balance || balance.balance >= settings.threshold) return null;
    const account = await Account.query(trx).findById(accountId);
    const creditPackage = await CreditPackage.query(trx).findById(settings.creditPackageId);
    // A package taken off sale, or no longer offered to top-ups, is not bought until another is chosen.
    if (!account?.stripeCustomerId || !creditPackage?.active || !creditPackage.availableForAutoTopUp)
      return null;
    const payment = await Payment.query(trx).insertAndFetch({
      accountId,
      type: 'credit_top_up',
      status: 'pending',
      amount: creditPackage.priceAmount,
      currency: creditPackage.currency,
      description: `${creditPackage.name} (automatic top-up)`,
      creditPackageId: creditPackage.id,
      credits: creditPackage.credits,
      automatic: true,
    });
    await AutoTopUpSettings.query(trx)
      .findById(accountId)
      .patch({ inFlightPaymentId: payment.id, lastAttemptAt: now() });
    return { payment, stripeCustomerId: account.stripeCustomerId };
  });
  if (!claimed) return null;
  return chargeTopUp(claimed);
}

/** Charges a claimed top-up (again, after a crash: the key makes Stripe return the same PaymentIntent). */
export async function chargeTopUp({
  payment,
  stripeCustomerId,
}: {
  payment: Payment;
  stripeCustomerId: string;
}): Promise<Payment> {
  await faultPoint('autoTopUp.beforeStripeCall');
  const charge = await chargeOffSession({
    stripeCustomerId,
    amount: payment.amount,
    currency: payment.currency,
    description: payment.description ?? 'Automatic credit top-up',
    metadata: { account_id: payment.accountId, payment_id: payment.id, kind: 'auto_top_up' },
    idempotencyKey: `auto-top-up-${payment.id}`,
  });
  await faultPoint('autoTopUp.afterStripeCall');
  const settled = await settleTopUp({ paymentId: payment.id, ...charge });
  await faultPoint('autoTopUp.afterCommit');
  return settled;
}

/**
 * Finishes a top-up a process left unsettled (it died, or Stripe's webhook never came): settles it from
 * the PaymentIntent its charge created, found by the payment's id, or charges it if there is none. The
 * lookup makes this safe at any age, even once Stripe has forgotten the charge's idempotency key.
 */
async function finishStalledTopUp({
  payment,
  stripeCustomerId,
}: {
  payment: Payment;
  stripeCustomerId: string;
}): Promise<void> {
  const earlier = await findPaymentIntentOutcomeOfPayment({ stripeCustomerId, paymentId: payment.id });
  if (!earlier) {
    await chargeTopUp({ payment, stripeCustomerId });
    return;
  }
  // Still processing: its webhook, or the next run, settles it.
  if (earlier.outcome)
    await settleTopUp({
      paymentId: payment.id,
      stripePaymentIntentId: earlier.stripePaymentIntentId,
      outcome: earlier.outcome,
      failureReason: earlier.failureReason,
    });
}

/**
 * Records how an automatic top-up ended, once: a success grants the credits, a failure counts toward
 * switching automatic top-up off and tells the customer. Called after the charge, and again by the
 * payment_intent webhooks (which find it settled and do nothing).
 */
export async function settleTopUp({
  trx: outer,
  paymentId,
  stripePaymentIntentId,
  outcome,
  failureReason,
}: {
  trx?: Knex.Transaction;
  paymentId: string;
  stripePaymentIntentId: string | null;
  outcome: 'succeeded' | 'failed';
  failureReason: string | null;
}): Promise<Payment> {
  const settle = async (trx: Knex.Transaction) => {
    const payment = await Payment.query(trx).findById(paymentId).forUpdate().throwIfNotFound();
    if (payment.status !== 'pending') return payment;
    const settings = await AutoTopUpSettings.query(trx).findById(payment.accountId).forUpdate();
    const succeeded = outcome === 'succeeded';
    const settled = await Payment.query(trx).patchAndFetchById(payment.id, {
      status: succeeded ? 'completed' : 'failed',
      stripePaymentIntentId,
      failureReason: succeeded ? null : failureReason,
      completedAt: succeeded ? now() : null,
    });
    await recordPaymentSettled({ trx, before: payment, after: settled });
    const failures = succeeded ? 0 : (settings?.consecutiveFailures ?? 0) + 1;
    const switchOff = failures >= MAX_CONSECUTIVE_FAILURES;
    const settingsAfter = await AutoTopUpSettings.query(trx).patchAndFetchById(payment.accountId, {
      inFlightPaymentId: null,
      consecutiveFailures: failures,
      ...(switchOff && {
        enabled: false,
        disabledReason: `Switched off after ${failures} failed payments in a row: ${failureReason ?? 'declined'}`,
      }),
    });
    if (succeeded) {
      await grantCredits({
        trx,
        actor: systemActor('automatic top-up'),
        accountId: payment.accountId,
        source: 'purchase',
        priority: GRANT_PRIORITY.purchase,
        amount: payment.credits!,
        paymentId: payment.id,
        description: payment.description,
        idempotencyKey: `purchase:${payment.id}`,
      });
    } else {
      await enqueueAccountNotification({
        trx,
        accountId: payment.accountId,
        notice: switchOff
          ? {
              kind: 'credits.auto_top_up_disabled',
              data: {
                reason: failureReason ?? 'declined',
                failures,
                creditsUrl: `${billingSettings().publicUrl}/billing/credits`,
              },
            }
          : {
              kind: 'credits.auto_top_up_failed',
              data: {
                reason: failureReason ?? 'declined',
                creditsUrl: `${billingSettings().publicUrl}/billing/credits`,
              },
            },
        dedupeKey: `credits.auto_top_up:${payment.id}`,
      });
    }
    await recordAutoTopUpSettled({ trx, payment: settled, settings: settingsAfter, switchedOff: switchOff });
    await faultPoint('autoTopUp.beforeCommit');
    return settled;
  };
  return outer ? settle(outer) : Model.knex().transaction(settle);
}

/**
 * The job behind it: tops up every account below its threshold with nothing in flight, and finishes
 * top-ups a crashed process left in flight for more than ten minutes (by the account's clock, for one
 * on a test clock: server/testClocks/).
 */
export async function runAutoTopUps(scope: JobScope = {}): Promise<number> {
  const due: Array<{ accountId: string }> = await Model.knex()('autoTopUpSettings as s')
    .modify(withinJobScope('s.accountId', scope))
    .join('creditBalances as b', 'b.accountId', 's.accountId')
    .where('s.enabled', true)
    .whereNull('s.inFlightPaymentId')
    .whereRaw('b.balance < s.threshold')
    .select('s.accountId')
    .limit(500);
  const stalled = await Payment.query()
    .modify(withinJobScope('accountId', scope))
    .where({ type: 'credit_top_up', automatic: true, status: 'pending' })
    .where('createdAt', '<', new Date(now().getTime() - 10 * 60 * 1000))
    .limit(100);
  let started = 0;
  await eachOnItsOwn(
    [
      ...due.map(({ accountId }) => async () => {
        if (await triggerAutoTopUp({ accountId })) started += 1;
      }),
      ...stalled.map((payment) => async () => {
        const account = await Account.query().findById(payment.accountId);
        if (account?.stripeCustomerId)
          await finishStalledTopUp({ payment, stripeCustomerId: account.stripeCustomerId });
      }),
    ],
    (topUp) => topUp(),
  );
  return started;
}
