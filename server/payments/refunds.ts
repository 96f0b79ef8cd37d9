import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import type { IdempotentAttempt } from '../idempotency/idempotentRequests';
import { callStripe } from '../stripe/errors';
import { createStripeRefund, findStripeRefundOfRequest, type StripeRefundState } from '../stripe/refunds';
import { parseInput } from '../validation';
import { Payment } from './Payment';
import { applyRefund } from './refundApplication';
import { refundableIntentOf } from './refundableIntent';

const input = z.object({
  paymentId: z.string().uuid('is not a payment id'),
  amount: z.number().int('must be whole minor units').positive('must be positive').nullish(),
  reason: z.string().trim().min(1, 'is required').max(500, 'is at most 500 characters'),
});

/**
 * Refunds a payment through Stripe, in full or in part (platform admins only, with a reason): credit
 * purchases, top-ups, lifetime plans, subscription charges and upgrades alike, through the PaymentIntent
 * that paid them. For a credit purchase, the unspent share of its credits is clawed back at the same
 * moment; the charge.refunded webhook that follows finds the refund recorded already.
 *
 * Under an idempotency key (`attempt`), the Stripe refund's key and its metadata name the request, so a
 * retry that takes over after a crash gets the same refund back from Stripe, or finds it among the
 * payment's refunds, and records it once, by its Stripe id, whenever it comes
 * (docs/decisions/017-crash-safe-money-mutations.md).
 */
export async function refundPayment({
  actor,
  attempt = null,
  ...args
}: { actor: Actor; attempt?: IdempotentAttempt | null } & z.input<typeof input>): Promise<Payment> {
  const { paymentId, amount, reason } = parseInput(input, args);
  requirePlatformAdmin(actor);
  const payment = await Payment.query().findById(paymentId);
  if (!payment) throw new NotFoundError('Payment');
  if (payment.type === 'refund' || !['completed', 'refunded'].includes(payment.status)) {
    throw new ConflictError('Only a completed charge can be refunded.');
  }
  const stripePaymentIntentId = await refundableIntentOf(payment);
  if (!stripePaymentIntentId)
    throw new ConflictError(
      'This payment was settled without a card payment (from the customer’s credit balance or out of band); there is nothing in Stripe to refund.',
    );
  payment.stripePaymentIntentId = stripePaymentIntentId;
  const earlier = attempt?.resumed
    ? await callStripe('find the refund', () =>
        findStripeRefundOfRequest({ stripePaymentIntentId, request: attempt.stripeKey('refund') }),
      )
    : null;
  const refund = earlier ?? (await createRefund({ payment, stripePaymentIntentId, amount, reason, attempt }));
  await faultPoint('refund.afterStripeCall');
  await withAccountLock(payment.accountId, async ({ trx }) => {
    await applyRefund({ trx, actor, payment, refund, reason });
    await faultPoint('refund.beforeCommit');
  });
  await faultPoint('refund.afterCommit');
  return Payment.query().findById(payment.id).throwIfNotFound();
}

async function createRefund({
  payment,
  stripePaymentIntentId,
  amount,
  reason,
  attempt,
}: {
  payment: Payment;
  stripePaymentIntentId: string;
  amount: number | null | undefined;
  reason: string;
  attempt: IdempotentAttempt | null;
}): Promise<StripeRefundState> {
  const refundable = payment.amount - payment.amountRefunded;
  const toRefund = amount ?? refundable;
  if (refundable === 0) throw new ConflictError('This payment has been refunded in full already.');
  if (toRefund > refundable)
    throw ValidationError.forField('amount', `is more than the ${refundable} left to refund`);
  // Without a caller's key, the key still makes a double click one refund: it names what was refunded
  // before, and how many refunds were made (one that failed gave its amount back, but was made).
  const refundsMade = await Payment.query().where({ refundedPaymentId: payment.id }).resultSize();
  const idempotencyKey =
    attempt?.stripeKey('refund') ??
    `refund-${payment.id}-${payment.amountRefunded}-${refundsMade}-${toRefund}`;
  await faultPoint('refund.beforeStripeCall');
  return callStripe('refund the payment', () =>
    createStripeRefund({
      stripePaymentIntentId,
      amount: toRefund,
      reason,
      idempotencyKey,
      request: attempt ? idempotencyKey : null,
    }),
  );
}
