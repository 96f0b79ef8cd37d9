import type { Knex } from 'knex';
import { describeActor, type Actor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { ledgerKey, withAccountLedger } from '../credits/accountLedger';
import { CreditGrant } from '../credits/CreditGrant';
import type { StripeRefundState } from '../stripe/refunds';
import { recordRefundEvent } from '../partnerWebhooks/events';
import { Payment } from './Payment';
import { refundPaymentRow } from './refundRows';

/**
 * Records a refund that Stripe reports failed (the card could no longer take the money) or canceled:
 * the money stayed with us. Once per refund, whichever event brings it and whenever: a refund recorded
 * as made is marked failed, the payment's refunded amount goes back down (and a payment refunded in full
 * is completed again), and the credits clawed back for it are given back to their grant by a new ledger
 * entry. A refund never recorded as made is recorded failed, moving nothing. Returns false when there
 * was nothing left to record.
 */
export async function applyRefundFailure({
  trx,
  actor,
  payment,
  refund,
}: {
  trx: Knex.Transaction;
  actor: Actor;
  payment: Payment;
  refund: StripeRefundState;
}): Promise<boolean> {
  const status = refund.status === 'canceled' ? ('cancelled' as const) : ('failed' as const);
  const failureReason = refund.failureReason ?? (status === 'failed' ? 'unknown' : 'canceled');
  const recorded = await Payment.query(trx).findOne({ stripeRefundId: refund.stripeRefundId }).forUpdate();
  if (recorded && recorded.status !== 'completed') return false;
  const details = { amount: refund.amount, stripeRefundId: refund.stripeRefundId, failureReason };
  if (!recorded) {
    await trx('payments')
      .insert({ ...refundPaymentRow(payment, refund), status, failureReason })
      .onConflict('stripeRefundId')
      .ignore();
    await auditFailure({ trx, actor, payment, refund, details: { ...details, creditsReturned: 0 } });
    return true;
  }

  const failed = await Payment.query(trx).patchAndFetchById(recorded.id, { status, failureReason });
  const original = await Payment.query(trx).findById(payment.id).forUpdate().throwIfNotFound();
  const restored = await Payment.query(trx).patchAndFetchById(original.id, {
    amountRefunded: Math.max(0, original.amountRefunded - refund.amount),
    ...(original.status === 'refunded' && { status: 'completed' as const }),
  });
  // Partners were told it was refunded; now that it was not. (One never recorded as made told them nothing.)
  await recordRefundEvent({ trx, type: 'payment.refund_failed', payment: restored, refund: failed });
  const creditsReturned =
    original.type === 'credit_top_up'
      ? await returnClawedBackCredits({ trx, actor, payment: original, refund, refundRowId: recorded.id })
      : 0;
  await auditFailure({ trx, actor, payment, refund, details: { ...details, creditsReturned } });
  return true;
}

/** Gives the grant back what was clawed from it for this refund, unless the grant has expired since. */
async function returnClawedBackCredits({
  trx,
  actor,
  payment,
  refund,
  refundRowId,
}: {
  trx: Knex.Transaction;
  actor: Actor;
  payment: Payment;
  refund: StripeRefundState;
  refundRowId: string;
}): Promise<number> {
  const grant = await CreditGrant.query(trx).findOne({ paymentId: payment.id });
  if (!grant) return 0;
  const at = now();
  // Credits that would have expired by now are not brought back to life.
  if (grant.expiresAt && grant.expiresAt <= at) return 0;
  return withAccountLedger({ trx, accountId: payment.accountId }, async (ledger) => {
    const clawback: { amount: number } | undefined = await trx('credit_ledger_entries')
      .where({
        accountId: payment.accountId,
        idempotencyKey: ledgerKey('refund_clawback', refund.stripeRefundId),
      })
      .first('amount');
    const clawed = clawback ? -Number(clawback.amount) : 0;
    if (clawed <= 0) return 0;
    ledger.loadSpendableGrants({ at, actor: describeActor(actor) });
    ledger.restore(grant, clawed, {
      entryType: 'refund_clawback',
      at,
      actor: describeActor(actor),
      idempotencyKey: ledgerKey('refund_clawback', `${refund.stripeRefundId}:failed`),
      referenceType: 'payment',
      referenceId: refundRowId,
      description: 'Credits returned: their refund failed',
    });
    await ledger.commit();
    return clawed;
  });
}

async function auditFailure({
  trx,
  actor,
  payment,
  refund,
  details,
}: {
  trx: Knex.Transaction;
  actor: Actor;
  payment: Payment;
  refund: StripeRefundState;
  details: Record<string, unknown>;
}) {
  await recordAudit({
    trx,
    actor,
    accountId: payment.accountId,
    action: 'payment.refund_failed',
    target: { type: 'payment', id: payment.id },
    reason: refund.reason ?? undefined,
    details,
  });
}
