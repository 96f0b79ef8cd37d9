import Stripe from 'stripe';
import { stripe } from './client';
import { idOf } from './timestamps';

/** An open invoice of a subscription, and the card its last attempt was made with. */
export interface OpenStripeInvoice {
  stripeInvoiceId: string;
  lastAttemptCard: string | null;
}

/** The card Stripe charges the customer's invoices with by default, or null when none is set. */
export async function fetchDefaultCard(stripeCustomerId: string): Promise<string | null> {
  const customer = await stripe().customers.retrieve(stripeCustomerId);
  if (customer.deleted) return null;
  return idOf(customer.invoice_settings?.default_payment_method);
}

/** A subscription's open invoices, oldest first. */
export async function listOpenStripeInvoices(stripeSubscriptionId: string): Promise<OpenStripeInvoice[]> {
  const invoices = await stripe()
    .invoices.list({ subscription: stripeSubscriptionId, status: 'open', limit: 100 })
    .autoPagingToArray({ limit: 1000 });
  const open: OpenStripeInvoice[] = [];
  for (const invoice of invoices.reverse()) {
    const payments = await stripe().invoicePayments.list({ invoice: invoice.id, limit: 10 });
    const intentId = idOf(payments.data[0]?.payment.payment_intent);
    const intent = intentId ? await stripe().paymentIntents.retrieve(intentId) : null;
    open.push({
      stripeInvoiceId: invoice.id,
      lastAttemptCard: idOf(intent?.last_payment_error?.payment_method ?? intent?.payment_method),
    });
  }
  return open;
}

/**
 * Pays an open invoice with the given card now. A decline is an answer, not an error: Stripe records the
 * failed attempt (and says so by webhook). The key makes a retried call a replay.
 */
export async function payStripeInvoiceWithCard({
  stripeInvoiceId,
  paymentMethodId,
  idempotencyKey,
}: {
  stripeInvoiceId: string;
  paymentMethodId: string;
  idempotencyKey: string;
}): Promise<{ paid: boolean; declineMessage: string | null }> {
  try {
    const invoice = await stripe().invoices.pay(
      stripeInvoiceId,
      { payment_method: paymentMethodId, off_session: true },
      { idempotencyKey },
    );
    return { paid: invoice.status === 'paid', declineMessage: null };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError) return { paid: false, declineMessage: error.message };
    throw error;
  }
}

/** Makes `paymentMethodId` the card a subscription's renewals are charged to, when it names another. */
export async function useCardForSubscription({
  stripeSubscriptionId,
  paymentMethodId,
}: {
  stripeSubscriptionId: string;
  paymentMethodId: string;
}): Promise<void> {
  const subscription = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  const current = idOf(subscription.default_payment_method);
  if (current && current !== paymentMethodId)
    await stripe().subscriptions.update(stripeSubscriptionId, { default_payment_method: paymentMethodId });
}
