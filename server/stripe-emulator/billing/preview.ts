import type Stripe from 'stripe';
import type { Context } from '../context';
import { ApiError } from '../http/errors';
import { newId } from '../store/ids';
import { newInvoice, newInvoiceLine } from '../objects/invoice';
import {
  lineForInvoiceItem,
  pendingInvoiceItems,
  recomputeTotals,
  subscriptionPeriodLines,
} from './invoice-build';
import {
  applyItemChanges,
  prorationLines,
  type ItemChange,
  type ProrationBehavior,
} from './subscription-update';
import { nextPeriodEnd, nowForCustomer, periodBoundary } from './time';

export interface PreviewInput {
  customer?: Stripe.Customer;
  subscription?: Stripe.Subscription;
  items?: ItemChange[];
  prorationBehavior: ProrationBehavior;
  prorationDate?: number;
}

function noUpcomingInvoice(): ApiError {
  return new ApiError(404, {
    type: 'invalid_request_error',
    code: 'invoice_upcoming_none',
    message: 'No upcoming invoices for customer',
  });
}

/**
 * POST /v1/invoices/create_preview. Without changes: the subscription's next renewal invoice. With
 * `subscription_details.items`: the prorations the change would create, on the next renewal invoice
 * (`create_prorations`) or on the invoice issued at once (`always_invoice`, or a change of interval).
 * Nothing is stored; amounts use exactly the same code as the real change.
 */
export function previewInvoice(ctx: Context, input: PreviewInput): Stripe.Invoice {
  const subscription = input.subscription;
  const customer =
    input.customer ??
    (subscription ? ctx.store.require('customer', subscription.customer as string) : undefined);
  if (!customer) throw ApiError.parameterMissing('customer');
  const now = nowForCustomer(ctx.store, customer);
  const prorationDate = input.prorationDate ?? now;
  const invoice = newInvoice({
    id: `upcoming_${newId('invoice')}`,
    customer,
    currency: subscription?.currency ?? 'usd',
    subscription: subscription ?? null,
    billingReason: 'upcoming',
    collectionMethod:
      (subscription?.collection_method as 'charge_automatically' | 'send_invoice') ?? 'charge_automatically',
    autoAdvance: false,
    description: null,
    metadata: {},
    periodStart: now,
    periodEnd: now,
    daysUntilDue: null,
    defaultPaymentMethod: null,
    created: now,
  });
  const pending = pendingInvoiceItems(ctx, customer.id, subscription?.id ?? null).map((item) =>
    lineForInvoiceItem(ctx, item, null),
  );
  const lines: Stripe.InvoiceLineItem[] = [...pending];

  if (!subscription) {
    if (pending.length === 0) throw noUpcomingInvoice();
    invoice.currency = pending[0].currency;
  } else {
    if (['canceled', 'incomplete_expired'].includes(subscription.status)) throw noUpcomingInvoice();
    const current = subscription.items.data;
    const next =
      input.items && input.items.length > 0 ? applyItemChanges(subscription, input.items, now) : current;
    const oldRecurring = current[0].price.recurring as Stripe.Price.Recurring;
    const newRecurring = next[0].price.recurring as Stripe.Price.Recurring;
    const intervalChanged =
      oldRecurring.interval !== newRecurring.interval ||
      oldRecurring.interval_count !== newRecurring.interval_count;
    const trialing = subscription.status === 'trialing';
    const prorate = input.prorationBehavior !== 'none' && !trialing && next !== current;
    const prorations = prorate
      ? prorationLines(ctx, current, intervalChanged ? [] : next, prorationDate)
      : [];
    for (const proration of prorations) {
      lines.push(
        newInvoiceLine({
          invoice: null,
          amount: proration.amount,
          currency: proration.price.currency,
          description: proration.description,
          quantity: proration.quantity,
          price: proration.price,
          periodStart: proration.periodStart,
          periodEnd: proration.periodEnd,
          metadata: {},
          source: {
            type: 'subscription_item',
            subscription: subscription.id,
            subscriptionItem: proration.subscriptionItem,
            invoiceItem: null,
            proration: true,
          },
        }),
      );
    }
    const virtual = { ...subscription, items: { ...subscription.items, data: next } };
    if (intervalChanged && !trialing) {
      const end = periodBoundary(now, newRecurring.interval, newRecurring.interval_count, 1);
      lines.push(...subscriptionPeriodLines(ctx, virtual, null, { start: now, end }));
      invoice.billing_reason = 'subscription_update';
    } else if (input.prorationBehavior === 'always_invoice' && prorations.length > 0) {
      invoice.billing_reason = 'subscription_update';
    } else {
      if (subscription.cancel_at_period_end) throw noUpcomingInvoice();
      const start = current[0].current_period_end;
      const anchor = trialing ? start : subscription.billing_cycle_anchor;
      const end = nextPeriodEnd(anchor, newRecurring.interval, newRecurring.interval_count, start);
      lines.push(...subscriptionPeriodLines(ctx, virtual, null, { start, end }));
      invoice.period_start = current[0].current_period_start;
      invoice.period_end = start;
      invoice.created = start;
    }
    if (invoice.parent?.subscription_details && input.prorationDate !== undefined) {
      invoice.parent.subscription_details.subscription_proration_date = input.prorationDate;
    }
  }
  invoice.lines.data = lines;
  invoice.lines.url = `/v1/invoices/upcoming/lines`;
  invoice.starting_balance = customer.balance;
  recomputeTotals(invoice);
  return invoice;
}
