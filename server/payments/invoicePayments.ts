import type { Knex } from 'knex';
import { now } from '../clock';
import type { Invoice } from '../invoices/Invoice';
import { recordPaymentSettled } from './paymentSettled';
import { Payment, type PaymentType } from './Payment';

/**
 * Records the money side of a subscription invoice: one payment row per invoice, failed while Stripe's
 * attempts fail and completed once one succeeds, carrying the PaymentIntent that paid it (what a refund
 * names). Invoices of nothing (a trial's first invoice) move no money and record nothing.
 */
export async function recordInvoicePayment({
  trx,
  invoice,
  outcome,
  failureReason,
  stripePaymentIntentId,
  receipt = true,
}: {
  trx: Knex.Transaction;
  invoice: Invoice;
  outcome: 'paid' | 'failed';
  failureReason?: string | null;
  stripePaymentIntentId: string | null;
  /** False for a charge refunded at once (a second subscription): its own notice explains it. */
  receipt?: boolean;
}): Promise<Payment | undefined> {
  if (invoice.total <= 0) return undefined;
  const existing = await Payment.query(trx)
    .findOne({ stripeInvoiceId: invoice.stripeInvoiceId })
    .whereNot('type', 'refund')
    .forUpdate();
  const intent = stripePaymentIntentId ? { stripePaymentIntentId } : {};
  // A completed payment stays completed: a late "failed" event cannot undo money that arrived, and a
  // late "paid" one cannot undo a refund. It only learns what it was recorded without (its
  // PaymentIntent, before payments kept it; its subscription).
  if (existing && (existing.status === 'completed' || existing.status === 'refunded')) {
    const missing = {
      ...(!existing.stripePaymentIntentId && intent),
      ...(!existing.subscriptionId && invoice.subscriptionId && { subscriptionId: invoice.subscriptionId }),
    };
    return Object.keys(missing).length > 0
      ? Payment.query(trx).patchAndFetchById(existing.id, missing)
      : existing;
  }
  const fields = {
    status: outcome === 'paid' ? ('completed' as const) : ('failed' as const),
    amount: outcome === 'paid' ? invoice.amountPaid : invoice.amountDue,
    currency: invoice.currency,
    invoiceId: invoice.id,
    subscriptionId: invoice.subscriptionId,
    failureReason: outcome === 'failed' ? (failureReason ?? 'The payment was declined.') : null,
    completedAt: outcome === 'paid' ? (invoice.paidAt ?? now()) : null,
    ...intent,
  };
  const payment = existing
    ? await Payment.query(trx).patchAndFetchById(existing.id, fields)
    : await Payment.query(trx).insertAndFetch({
        accountId: invoice.accountId,
        type: paymentTypeFor(invoice.billingReason),
        stripeInvoiceId: invoice.stripeInvoiceId,
        description: invoice.number ? `Invoice ${invoice.number}` : 'Subscription invoice',
        ...fields,
      });
  await recordPaymentSettled({ trx, before: existing, after: payment, receipt });
  return payment;
}

function paymentTypeFor(billingReason: string | null): PaymentType {
  return billingReason === 'subscription_update' ? 'subscription_upgrade' : 'subscription_payment';
}
