import type { Knex } from 'knex';
import { describeActor, type Actor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { ledgerKey, withAccountLedger } from '../credits/accountLedger';
import { CreditGrant } from '../credits/CreditGrant';
import type { StripeRefundState } from '../stripe/refunds';
import { recordRefundEvent } from '../partnerWebhooks/events';
import { Payment } from './Payment';
import { applyRefundFailure } from './refundFailures';
import { refundPaymentRow } from './refundRows';

/**
 * Brings every refund of a charge up to Stripe's state, in the order they were made (`refunds` come
 * oldest first), so that however the events announcing them were ordered, each claw-back is the same as
 * when they were recorded one by one: one that went through is recorded, one that failed (or was
 * canceled) is undone if it was recorded (refundFailures.ts). Pending ones wait for their next event.
 */
export async function applyStripeRefunds({
  trx,
  actor,
  payment,
  refunds,
}: {
  trx: Knex.Transaction;
  actor: Actor;
  payment: Payment;
  refunds: StripeRefundState[];
}): Promise<void> {
  for (const refund of refunds) {
    if (refund.status === 'succeeded') await applyRefund({ trx, actor, payment, refund });
    else if (refund.status === 'failed' || refund.status === 'canceled')
      await applyRefundFailure({ trx, actor, payment, refund });
  }
}

/**
 * Records a refund Stripe made (by our hand or in Stripe's dashboard), once per Stripe refund: a refund
 * row, the original payment's refunded amount and status, and, for a credit purchase, the unspent
 * credits clawed back in proportion (credits already spent stay spent; the balance never goes below
 * zero). Returns false when the refund was recorded already.
 */
export async function applyRefund({
  trx,
  actor,
  payment,
  refund,
  reason,
}: {
  trx: Knex.Transaction;
  actor: Actor;
  payment: Payment;
  refund: StripeRefundState;
  /**
   * Why, when a platform admin refunded it here. Otherwise the reason we wrote in the refund's metadata,
   * so it lands in the audit entry whoever records the refund first (our call or its webhook); refunds
   * made in Stripe's dashboard come without one.
   */
  reason?: string;
}): Promise<boolean> {
  if (refund.status !== 'succeeded') return false;
  if (refund.stripePaymentIntentId && refund.stripePaymentIntentId !== payment.stripePaymentIntentId)
    throw new Error(
      `Refund ${refund.stripeRefundId} is of PaymentIntent ${refund.stripePaymentIntentId}, not of payment ${payment.id}'s.`,
    );
  const inserted = await trx('payments')
    .insert({
      ...refundPaymentRow(payment, refund),
      status: 'completed',
      // When Stripe made it, which is when the money went back (and what revenue metrics date it by).
      completedAt: new Date(refund.created * 1000),
    })
    .onConflict('stripeRefundId')
    .ignore()
    .returning('id');
  if (inserted.length === 0) return false;

  const original = await Payment.query(trx).findById(payment.id).forUpdate().throwIfNotFound();
  const amountRefunded = Math.min(original.amount, original.amountRefunded + refund.amount);
  const refundedPayment = await Payment.query(trx).patchAndFetchById(original.id, {
    amountRefunded,
    ...(amountRefunded === original.amount && { status: 'refunded' }),
  });
  await recordRefundEvent({
    trx,
    type: 'payment.refunded',
    payment: refundedPayment,
    refund: await Payment.query(trx).findById(inserted[0].id).throwIfNotFound(),
  });
  if (original.type === 'credit_top_up')
    await clawBackUnspentCredits({
      trx,
      actor,
      payment: original,
      amountRefunded,
      refundRowId: inserted[0].id,
      stripeRefundId: refund.stripeRefundId,
    });
  await recordAudit({
    trx,
    actor,
    accountId: original.accountId,
    action: 'payment.refunded',
    target: { type: 'payment', id: original.id },
    reason: reason ?? refund.reason ?? undefined,
    details: { amount: refund.amount, stripeRefundId: refund.stripeRefundId },
  });
  return true;
}

async function clawBackUnspentCredits({
  trx,
  actor,
  payment,
  amountRefunded,
  refundRowId,
  stripeRefundId,
}: {
  trx: Knex.Transaction;
  actor: Actor;
  payment: Payment;
  amountRefunded: number;
  refundRowId: string;
  stripeRefundId: string;
}): Promise<void> {
  const grant = await CreditGrant.query(trx).findOne({ paymentId: payment.id });
  if (!grant) return;
  // The share of the credits the refunds so far pay back, rounded down in the customer's favour.
  const owed = Math.floor((grant.amount * amountRefunded) / payment.amount);
  const { rows } = await trx.raw<{ rows: Array<{ clawed: number }> }>(
    `select coalesce(-sum(amount), 0)::bigint as clawed from credit_ledger_entries where grant_id = ? and entry_type = 'refund_clawback'`,
    [grant.id],
  );
  const due = owed - rows[0]!.clawed;
  if (due <= 0) return;
  await withAccountLedger({ trx, accountId: payment.accountId }, async (ledger) => {
    const at = now();
    await ledger.loadSpendableGrants({ at, actor: describeActor(actor) });
    ledger.clawBack(grant.id, due, {
      entryType: 'refund_clawback',
      at,
      actor: describeActor(actor),
      idempotencyKey: ledgerKey('refund_clawback', stripeRefundId),
      referenceType: 'payment',
      referenceId: refundRowId,
      description: 'Unspent credits of a refunded purchase',
    });
    await ledger.commit();
  });
}
