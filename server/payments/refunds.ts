import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { callStripe } from '../stripe/errors';
import { createStripeRefund } from '../stripe/refunds';
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
 */
export async function refundPayment({
  actor,
  ...args
}: { actor: Actor } & z.input<typeof input>): Promise<Payment> {
  const { paymentId, amount, reason } = parseInput(input, args);
  requirePlatformAdmin(actor);
  const payment = await Payment.query().findById(paymentId);
  if (!payment) throw new NotFoundError('Payment');
  if (payment.type === 'refund' || !['completed', 'refunded'].includes(payment.status)) {
    throw new ConflictError('Only a completed charge can be refunded.');
  }
  const refundable = payment.amount - payment.amountRefunded;
  const toRefund = amount ?? refundable;
  if (refundable === 0) throw new ConflictError('This payment has been refunded in full already.');
  if (toRefund > refundable)
    throw ValidationError.forField('amount', `is more than the ${refundable} left to refund`);
  const stripePaymentIntentId = await refundableIntentOf(payment);
  if (!stripePaymentIntentId)
    throw new ConflictError(
      'This payment was settled without a card payment (from the customer’s credit balance or out of band); there is nothing in Stripe to refund.',
    );
  payment.stripePaymentIntentId = stripePaymentIntentId;

  const refund = await callStripe('refund the payment', () =>
    createStripeRefund({
      stripePaymentIntentId,
      amount: toRefund,
      reason,
      idempotencyKey: `refund-${payment.id}-${payment.amountRefunded}-${toRefund}`,
    }),
  );
  await withAccountLock(payment.accountId, ({ trx }) => applyRefund({ trx, actor, payment, refund, reason }));
  return Payment.query().findById(payment.id).throwIfNotFound();
}
