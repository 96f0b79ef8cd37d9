import type Stripe from 'stripe';
import { stripe } from './client';
import { fromUnix, idOf } from './timestamps';

export type StripeInvoiceLineKind =
  'subscription' | 'proration' | 'usage_overage' | 'credit_package' | 'other';

/** A Stripe invoice as our mirror of it needs it; amounts in minor units. */
export interface StripeInvoiceState {
  stripeInvoiceId: string;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  /** The PaymentIntent that paid it (or is trying to): what a refund of it names. */
  stripePaymentIntentId: string | null;
  number: string | null;
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  billingReason: string | null;
  currency: string;
  subtotal: number;
  tax: number;
  total: number;
  amountPaid: number;
  amountDue: number;
  amountRemaining: number;
  attemptCount: number;
  periodStart: Date | null;
  periodEnd: Date | null;
  dueDate: Date | null;
  paidAt: Date | null;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
  issuedAt: Date;
  lines: StripeInvoiceLineState[];
}

export interface StripeInvoiceLineState {
  stripeLineId: string;
  kind: StripeInvoiceLineKind;
  description: string | null;
  amount: number;
  currency: string;
  quantity: number | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  stripePriceId: string | null;
}

export async function fetchStripeInvoice(stripeInvoiceId: string): Promise<StripeInvoiceState> {
  const invoice = await stripe().invoices.retrieve(stripeInvoiceId, { expand: ['payments'] });
  const lines = await stripe()
    .invoices.listLineItems(stripeInvoiceId, { limit: 100 })
    .autoPagingToArray({ limit: 1000 });
  return toInvoiceState(invoice, lines);
}

export function toInvoiceState(invoice: Stripe.Invoice, lines: Stripe.InvoiceLineItem[]): StripeInvoiceState {
  return {
    stripeInvoiceId: invoice.id,
    stripeCustomerId: idOf(invoice.customer),
    stripeSubscriptionId: idOf(invoice.parent?.subscription_details?.subscription),
    stripePaymentIntentId: paymentIntentOf(invoice),
    number: invoice.number,
    status: knownInvoiceStatus(invoice.status),
    billingReason: invoice.billing_reason,
    currency: invoice.currency,
    subtotal: invoice.subtotal,
    tax: (invoice.total_taxes ?? []).reduce((sum, tax) => sum + tax.amount, 0),
    total: invoice.total,
    amountPaid: invoice.amount_paid,
    amountDue: invoice.amount_due,
    amountRemaining: invoice.amount_remaining,
    attemptCount: invoice.attempt_count,
    periodStart: fromUnix(invoice.period_start),
    periodEnd: fromUnix(invoice.period_end),
    dueDate: fromUnix(invoice.due_date),
    paidAt: fromUnix(invoice.status_transitions?.paid_at),
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdfUrl: invoice.invoice_pdf ?? null,
    issuedAt: fromUnix(invoice.status_transitions?.finalized_at ?? invoice.created),
    lines: lines.map(toLineState),
  };
}

function toLineState(line: Stripe.InvoiceLineItem): StripeInvoiceLineState {
  const subscriptionItem = line.parent?.subscription_item_details;
  const invoiceItem = line.parent?.invoice_item_details;
  const proration = Boolean(subscriptionItem?.proration || invoiceItem?.proration);
  return {
    stripeLineId: line.id,
    kind: proration
      ? 'proration'
      : (lineKindFromMetadata(line.metadata) ?? (subscriptionItem ? 'subscription' : 'other')),
    description: line.description,
    amount: line.amount,
    currency: line.currency,
    quantity: line.quantity,
    periodStart: fromUnix(line.period?.start),
    periodEnd: fromUnix(line.period?.end),
    stripePriceId: idOf(line.pricing?.price_details?.price),
  };
}

/**
 * Invoices have no PaymentIntent field in this API version: their payments list it. The paid one, else
 * the newest still trying; none for invoices paid by credit balance or out of band.
 */
function paymentIntentOf(invoice: Stripe.Invoice): string | null {
  const payments = (invoice.payments?.data ?? [])
    .filter((entry) => entry.payment.type === 'payment_intent')
    .sort((a, b) => b.created - a.created);
  const chosen = payments.find((entry) => entry.status === 'paid') ?? payments[0];
  return idOf(chosen?.payment.payment_intent);
}

/** The PaymentIntent that paid an invoice, for payments recorded before they kept it. */
export async function fetchStripeInvoicePaymentIntent(stripeInvoiceId: string): Promise<string | null> {
  return paymentIntentOf(await stripe().invoices.retrieve(stripeInvoiceId, { expand: ['payments'] }));
}

/** The invoice a PaymentIntent paid (or is paying), or null when it paid none. */
export async function findStripeInvoiceOfPaymentIntent(
  stripePaymentIntentId: string,
): Promise<string | null> {
  const payments = await stripe().invoicePayments.list({
    payment: { type: 'payment_intent', payment_intent: stripePaymentIntentId },
    limit: 1,
  });
  return idOf(payments.data[0]?.invoice);
}

const INVOICE_STATUSES = ['draft', 'open', 'paid', 'void', 'uncollectible'] as const;

function knownInvoiceStatus(status: string | null): StripeInvoiceState['status'] {
  const known = INVOICE_STATUSES.find((candidate) => candidate === status);
  if (!known) throw new Error(`Unknown Stripe invoice status ${String(status)}`);
  return known;
}

/** Invoice items we create say what they are in their metadata (`kind`). */
function lineKindFromMetadata(metadata: Stripe.Metadata | null): StripeInvoiceLineKind | null {
  const kind = metadata?.kind;
  return kind === 'usage_overage' || kind === 'credit_package' ? kind : null;
}

/** Stripe's preview of a subscription's next invoice (its renewal, with pending items and prorations). */
export async function previewStripeUpcomingInvoice({
  stripeCustomerId,
  stripeSubscriptionId,
}: {
  stripeCustomerId: string;
  stripeSubscriptionId: string;
}) {
  const preview = await stripe().invoices.createPreview({
    customer: stripeCustomerId,
    subscription: stripeSubscriptionId,
  });
  const subscriptionLine = preview.lines.data.find(
    (line) => line.parent?.subscription_item_details && !line.parent.subscription_item_details.proration,
  );
  return {
    currency: preview.currency,
    total: preview.total,
    amountDue: preview.amount_due,
    periodEnd: fromUnix(subscriptionLine?.period.end ?? preview.period_end),
    lines: preview.lines.data.map((line) => ({
      description: line.description,
      amount: line.amount,
      quantity: line.quantity,
      proration: Boolean(
        line.parent?.subscription_item_details?.proration || line.parent?.invoice_item_details?.proration,
      ),
    })),
  };
}

/** Adds a line to an invoice still in draft (the renewal, in the hour before Stripe finalizes it), or,
 * when `stripeInvoiceId` is omitted, to the customer's next invoice. The key makes it happen once. */
export async function addStripeInvoiceItem({
  stripeCustomerId,
  stripeInvoiceId,
  stripeSubscriptionId,
  amount,
  currency,
  description,
  metadata,
  idempotencyKey,
}: {
  stripeCustomerId: string;
  stripeInvoiceId?: string;
  stripeSubscriptionId?: string;
  amount: number;
  currency: string;
  description: string;
  metadata: Record<string, string>;
  idempotencyKey: string;
}): Promise<string> {
  const item = await stripe().invoiceItems.create(
    {
      customer: stripeCustomerId,
      amount,
      currency,
      description,
      metadata,
      ...(stripeInvoiceId
        ? { invoice: stripeInvoiceId }
        : stripeSubscriptionId
          ? { subscription: stripeSubscriptionId }
          : {}),
    },
    { idempotencyKey },
  );
  return item.id;
}
