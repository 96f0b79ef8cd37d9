import { callStripe } from '../stripe/errors';
import { fetchStripeInvoicePaymentIntent } from '../stripe/invoices';
import { Payment } from './Payment';

/**
 * The PaymentIntent a refund of the payment names. Subscription payments recorded before payments kept
 * it learn it from their invoice now, and keep it. Null for an invoice paid without a card payment (from
 * the customer's credit balance, or out of band): there is nothing in Stripe to refund.
 */
export async function refundableIntentOf(payment: Payment): Promise<string | null> {
  if (payment.stripePaymentIntentId) return payment.stripePaymentIntentId;
  if (!payment.stripeInvoiceId) return null;
  const stripeInvoiceId = payment.stripeInvoiceId;
  const stripePaymentIntentId = await callStripe('find the invoice’s payment', () =>
    fetchStripeInvoicePaymentIntent(stripeInvoiceId),
  );
  if (stripePaymentIntentId)
    await Payment.query()
      .findById(payment.id)
      .whereNull('stripePaymentIntentId')
      .patch({ stripePaymentIntentId });
  return stripePaymentIntentId;
}
