import { Payment } from '../payments/Payment';
import { findStripePaymentIntent } from '../stripe/paymentIntents';
import type { Difference } from './ledgerChecks';

const STATUS_IN_STRIPE: Record<string, string[]> = {
  completed: ['succeeded'],
  refunded: ['succeeded'],
  failed: ['requires_payment_method', 'canceled', 'requires_action'],
};

/**
 * Our payments against Stripe's: for every charge we recorded with a PaymentIntent since `since`, the
 * intent's status and amount, and the amount refunded on its charge.
 */
export async function paymentsMatchStripe({
  since,
}: {
  since: Date;
}): Promise<{ differences: Difference[]; checked: number }> {
  const payments = await Payment.query()
    .whereNot('type', 'refund')
    .whereNotNull('stripePaymentIntentId')
    .whereIn('status', Object.keys(STATUS_IN_STRIPE))
    .where('createdAt', '>=', since);
  const differences: Difference[] = [];
  for (const payment of payments) {
    const subject = `payment ${payment.id} (${payment.stripePaymentIntentId})`;
    const intent = await findStripePaymentIntent(payment.stripePaymentIntentId!);
    if (!intent) {
      differences.push({
        check: 'payment exists in Stripe',
        accountId: payment.accountId,
        subject,
        expected: 'a PaymentIntent',
        actual: 'none',
      });
      continue;
    }
    if (!STATUS_IN_STRIPE[payment.status]!.includes(intent.status)) {
      differences.push({
        check: 'payment status matches Stripe',
        accountId: payment.accountId,
        subject,
        expected: intent.status,
        actual: payment.status,
      });
    }
    if (payment.status !== 'failed' && intent.amountReceived !== payment.amount) {
      differences.push({
        check: 'payment amount matches Stripe',
        accountId: payment.accountId,
        subject,
        expected: intent.amountReceived,
        actual: payment.amount,
      });
    }
    if (intent.amountRefunded !== payment.amountRefunded) {
      differences.push({
        check: 'refunded amount matches Stripe',
        accountId: payment.accountId,
        subject,
        expected: intent.amountRefunded,
        actual: payment.amountRefunded,
      });
    }
  }
  return { differences, checked: payments.length };
}
