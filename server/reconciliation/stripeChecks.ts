import { Payment } from '../payments/Payment';
import { fetchStripeInvoicePaymentIntent } from '../stripe/invoices';
import { findStripePaymentIntent } from '../stripe/paymentIntents';
import type { Difference } from './ledgerChecks';

const STATUS_IN_STRIPE: Record<string, string[]> = {
  completed: ['succeeded'],
  refunded: ['succeeded'],
  failed: ['requires_payment_method', 'canceled', 'requires_action'],
};

/**
 * Our payments against Stripe's: for every charge we recorded since `since` (Checkout purchases,
 * top-ups, subscription invoices), its PaymentIntent's status and amount, and the amount refunded on its
 * charge. An invoice settled without a card payment has nothing in Stripe to compare.
 */
export async function paymentsMatchStripe({
  since,
}: {
  since: Date;
}): Promise<{ differences: Difference[]; checked: number }> {
  const payments = await Payment.query()
    .whereNot('type', 'refund')
    .where((query) => query.whereNotNull('stripePaymentIntentId').orWhereNotNull('stripeInvoiceId'))
    .whereIn('status', Object.keys(STATUS_IN_STRIPE))
    .where('createdAt', '>=', since);
  const differences: Difference[] = [];
  let checked = 0;
  for (const payment of payments) {
    // Subscription payments recorded before payments kept their PaymentIntent are found by their invoice.
    const stripePaymentIntentId =
      payment.stripePaymentIntentId ?? (await fetchStripeInvoicePaymentIntent(payment.stripeInvoiceId!));
    if (!stripePaymentIntentId) continue;
    checked += 1;
    const subject = `payment ${payment.id} (${stripePaymentIntentId})`;
    const intent = await findStripePaymentIntent(stripePaymentIntentId);
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
  return { differences, checked };
}
