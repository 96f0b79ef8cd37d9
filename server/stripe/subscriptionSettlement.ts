import type Stripe from 'stripe';
import { stripe } from './client';
import { listStripeRefundsOfCharge, type StripeRefundState } from './refunds';
import { idOf, toUnix } from './timestamps';

/** What settling one invoice of a subscription that should not exist did. */
export interface SettledInvoice {
  stripeInvoiceId: string;
  /** paid (and now refunded), void (was open), deleted (was a draft), or nothing to do. */
  before: Stripe.Invoice['status'];
  /** The PaymentIntent that paid it, and every refund of its charge as Stripe has them now. */
  stripePaymentIntentId: string | null;
  refunds: StripeRefundState[];
}

/**
 * Undoes what a subscription that should not exist charged: each of its invoices created from `since` on
 * (all of them without it) is refunded in full when paid, voided when open, deleted while a draft. It
 * works from Stripe's state (what a charge has refunded already is not refunded again), so a retry after
 * any failure does nothing twice.
 */
export async function settleStripeSubscriptionInvoices({
  stripeSubscriptionId,
  since,
  reason,
}: {
  stripeSubscriptionId: string;
  since: Date | null;
  reason: string;
}): Promise<SettledInvoice[]> {
  const invoices = await stripe()
    .invoices.list({
      subscription: stripeSubscriptionId,
      limit: 100,
      ...(since && { created: { gte: toUnix(since) } }),
    })
    .autoPagingToArray({ limit: 1000 });
  const settled: SettledInvoice[] = [];
  for (const invoice of invoices.reverse()) {
    const outcome: SettledInvoice = {
      stripeInvoiceId: invoice.id,
      before: invoice.status,
      stripePaymentIntentId: null,
      refunds: [],
    };
    if (invoice.status === 'paid' && invoice.amount_paid > 0) {
      Object.assign(outcome, await refundInvoicePayment({ invoice, reason }));
    } else if (invoice.status === 'open' || invoice.status === 'uncollectible') {
      await stripe().invoices.voidInvoice(invoice.id);
    } else if (invoice.status === 'draft') {
      await stripe().invoices.del(invoice.id);
    }
    settled.push(outcome);
  }
  return settled;
}

async function refundInvoicePayment({ invoice, reason }: { invoice: Stripe.Invoice; reason: string }) {
  const payments = await stripe().invoicePayments.list({ invoice: invoice.id, status: 'paid', limit: 10 });
  const stripePaymentIntentId = idOf(
    payments.data.find((payment) => payment.payment.type === 'payment_intent')?.payment.payment_intent,
  );
  if (!stripePaymentIntentId) return { stripePaymentIntentId: null, refunds: [] };
  return {
    stripePaymentIntentId,
    refunds: await refundStripePaymentInFull({ stripePaymentIntentId, reason }),
  };
}

/**
 * Refunds whatever of a payment is not refunded yet, and answers every refund of its charge as Stripe
 * has them now. Safe to repeat: a payment refunded in full is left alone.
 */
export async function refundStripePaymentInFull({
  stripePaymentIntentId,
  reason,
}: {
  stripePaymentIntentId: string;
  reason: string;
}): Promise<StripeRefundState[]> {
  const intent = await stripe().paymentIntents.retrieve(stripePaymentIntentId, { expand: ['latest_charge'] });
  const charge = intent.latest_charge as Stripe.Charge | null;
  if (!charge) return [];
  const unrefunded = charge.amount - charge.amount_refunded;
  if (unrefunded > 0) {
    await stripe().refunds.create(
      { payment_intent: stripePaymentIntentId, amount: unrefunded, metadata: { reason } },
      { idempotencyKey: `refund-in-full-${stripePaymentIntentId}-${charge.amount_refunded}` },
    );
  }
  return listStripeRefundsOfCharge(charge.id);
}
