import Stripe from 'stripe';
import { Payment } from '../payments/Payment';
import { stripe } from '../stripe/client';
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
    const intent = await findPaymentIntent(payment.stripePaymentIntentId!);
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
    if (payment.status !== 'failed' && intent.amount_received !== payment.amount) {
      differences.push({
        check: 'payment amount matches Stripe',
        accountId: payment.accountId,
        subject,
        expected: intent.amount_received,
        actual: payment.amount,
      });
    }
    const charge = intent.latest_charge;
    const refunded = charge && typeof charge !== 'string' ? charge.amount_refunded : 0;
    if (refunded !== payment.amountRefunded) {
      differences.push({
        check: 'refunded amount matches Stripe',
        accountId: payment.accountId,
        subject,
        expected: refunded,
        actual: payment.amountRefunded,
      });
    }
  }
  return { differences, checked: payments.length };
}

/** The PaymentIntent, or null when Stripe has none by that id (another Stripe account, or a restarted emulator). */
async function findPaymentIntent(id: string): Promise<Stripe.PaymentIntent | null> {
  try {
    return await stripe().paymentIntents.retrieve(id, { expand: ['latest_charge'] });
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing')
      return null;
    throw error;
  }
}
