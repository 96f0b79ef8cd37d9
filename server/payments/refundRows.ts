import type { StripeRefundState } from '../stripe/refunds';
import type { Payment } from './Payment';

/**
 * The payments row recording a refund of `payment`, whether it went through or failed: the caller adds
 * its status and what only that outcome has (when it completed, why it failed). One shape, so the admin
 * console, reconciliation and revenue read refunds the same way whichever event recorded them.
 */
export function refundPaymentRow(payment: Payment, refund: StripeRefundState) {
  return {
    accountId: payment.accountId,
    type: 'refund' as const,
    amount: refund.amount,
    currency: payment.currency,
    description: `Refund of ${payment.description ?? 'a payment'}`,
    refundedPaymentId: payment.id,
    stripeRefundId: refund.stripeRefundId,
    stripePaymentIntentId: payment.stripePaymentIntentId,
    stripeChargeId: refund.stripeChargeId,
  };
}
