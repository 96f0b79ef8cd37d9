import type Stripe from 'stripe';
import type { Context } from '../context';
import { newInvoice, newInvoiceLine, type InvoiceFields } from '../objects/invoice';
import { describeInterval, formatAmount } from './format';

export function productName(ctx: Context, price: Stripe.Price): string {
  const productId = typeof price.product === 'string' ? price.product : price.product.id;
  return ctx.store.get('product', productId)?.name ?? productId;
}

/** `2 × Pro (at $20.00 / month)`, Stripe's description of a subscription line. */
export function describeSubscriptionLine(ctx: Context, price: Stripe.Price, quantity: number): string {
  const interval = price.recurring
    ? ` / ${describeInterval(price.recurring.interval, price.recurring.interval_count)}`
    : '';
  return `${quantity} × ${productName(ctx, price)} (at ${formatAmount(price.unit_amount ?? 0, price.currency)}${interval})`;
}

/** Pending invoice items (not yet on an invoice) that the next invoice of this kind sweeps up. */
export function pendingInvoiceItems(
  ctx: Context,
  customerId: string,
  subscriptionId: string | null,
): Stripe.InvoiceItem[] {
  return ctx.store.listOldestFirst('invoiceitem').filter((item) => {
    if (item.invoice !== null || item.customer !== customerId) return false;
    const itemSubscription = item.parent?.subscription_details?.subscription ?? null;
    return itemSubscription === null || itemSubscription === subscriptionId;
  });
}

/** The invoice line for an invoice item; proration items keep pointing at their subscription item. */
export function lineForInvoiceItem(
  ctx: Context,
  item: Stripe.InvoiceItem,
  invoiceId: string | null,
): Stripe.InvoiceLineItem {
  const details = item.parent?.subscription_details;
  const priceId = item.pricing?.price_details?.price;
  const price = priceId
    ? (ctx.store.get('price', typeof priceId === 'string' ? priceId : priceId.id) ?? null)
    : null;
  return newInvoiceLine({
    invoice: invoiceId,
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    quantity: item.quantity,
    price,
    periodStart: item.period.start,
    periodEnd: item.period.end,
    metadata: { ...(item.metadata ?? {}) },
    source: details?.subscription_item
      ? {
          type: 'subscription_item',
          subscription: details.subscription,
          subscriptionItem: details.subscription_item,
          invoiceItem: item.id,
          proration: item.proration,
        }
      : {
          type: 'invoice_item',
          invoiceItem: item.id,
          subscription: details?.subscription ?? null,
          proration: item.proration,
        },
  });
}

/** Lines charging each subscription item for the period [start, end). */
export function subscriptionPeriodLines(
  ctx: Context,
  subscription: Stripe.Subscription,
  invoiceId: string | null,
  period: { start: number; end: number },
  options: { trial?: boolean; items?: Stripe.SubscriptionItem[] } = {},
): Stripe.InvoiceLineItem[] {
  return (options.items ?? subscription.items.data).map((item) => {
    const quantity = item.quantity ?? 1;
    return newInvoiceLine({
      invoice: invoiceId,
      amount: options.trial ? 0 : (item.price.unit_amount ?? 0) * quantity,
      currency: item.price.currency,
      description: options.trial
        ? `Trial period for ${productName(ctx, item.price)}`
        : describeSubscriptionLine(ctx, item.price, quantity),
      quantity,
      price: item.price,
      periodStart: period.start,
      periodEnd: period.end,
      metadata: { ...subscription.metadata },
      source: {
        type: 'subscription_item',
        subscription: subscription.id,
        subscriptionItem: item.id,
        invoiceItem: null,
        proration: false,
      },
    });
  });
}

/** Recomputes the amounts of an invoice from its lines and the starting balance applied to it. */
export function recomputeTotals(invoice: Stripe.Invoice): void {
  const subtotal = invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total = subtotal;
  invoice.total_excluding_tax = subtotal;
  // A negative customer balance is credit; it pays as much of the invoice as it can.
  const afterBalance = subtotal + invoice.starting_balance;
  invoice.amount_due = Math.max(0, afterBalance);
  invoice.amount_remaining = Math.max(0, invoice.amount_due - invoice.amount_paid);
}

/** The fields of an invoice a subscription raises itself: at creation, renewal, update or cancellation. */
export function subscriptionInvoiceFields(
  subscription: Stripe.Subscription,
  customer: Stripe.Customer,
  {
    billingReason,
    periodStart,
    periodEnd,
    created,
  }: { billingReason: Stripe.Invoice.BillingReason; periodStart: number; periodEnd: number; created: number },
): InvoiceFields {
  return {
    customer,
    currency: subscription.currency,
    subscription,
    billingReason,
    collectionMethod: subscription.collection_method as 'charge_automatically' | 'send_invoice',
    autoAdvance: true,
    description: null,
    metadata: {},
    periodStart,
    periodEnd,
    daysUntilDue: subscription.days_until_due,
    defaultPaymentMethod: null,
    created,
  };
}

/**
 * Builds a draft invoice and stores it with its lines: pending invoice items first (prorations, usage
 * charges), then `extraLines` (usually the subscription's new period). Swept items now point at it.
 */
export function createDraftInvoice(
  ctx: Context,
  fields: InvoiceFields,
  options: { extraLines?: (invoiceId: string) => Stripe.InvoiceLineItem[]; sweepPendingItems: boolean },
): Stripe.Invoice {
  const invoice = newInvoice(fields);
  const swept = options.sweepPendingItems
    ? pendingInvoiceItems(ctx, fields.customer.id, fields.subscription?.id ?? null)
    : [];
  const lines = swept.map((item) => lineForInvoiceItem(ctx, item, invoice.id));
  lines.push(...(options.extraLines?.(invoice.id) ?? []));
  invoice.lines.data = lines;
  for (const item of swept) item.invoice = invoice.id;
  recomputeTotals(invoice);
  ctx.store.insert('invoice', invoice);
  return invoice;
}
