import type Stripe from 'stripe';
import { newId } from '../store/ids';

export interface InvoiceFields {
  customer: Stripe.Customer;
  currency: string;
  subscription: Stripe.Subscription | null;
  billingReason: Stripe.Invoice.BillingReason;
  collectionMethod: 'charge_automatically' | 'send_invoice';
  autoAdvance: boolean;
  description: string | null;
  metadata: Record<string, string>;
  periodStart: number;
  periodEnd: number;
  daysUntilDue: number | null;
  defaultPaymentMethod: string | null;
  created: number;
  id?: string;
}

/** A draft invoice with no lines; see billing/invoices.ts for how lines and totals are filled in. */
export function newInvoice(fields: InvoiceFields): Stripe.Invoice {
  const id = fields.id ?? newId('invoice');
  const { customer, subscription } = fields;
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Stripe Emulator',
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: fields.autoAdvance,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: fields.billingReason,
    collection_method: fields.collectionMethod,
    created: fields.created,
    currency: fields.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: customer.tax_exempt ?? 'none',
    customer_tax_ids: [],
    default_payment_method: fields.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: fields.description,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: fields.metadata,
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: subscription
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: fields.periodEnd,
    period_start: fields.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: customer.test_clock
      ? typeof customer.test_clock === 'string'
        ? customer.test_clock
        : customer.test_clock.id
      : null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

/** What a line on an invoice is for; turned into the line's `parent`. */
export type LineSource =
  | {
      type: 'subscription_item';
      subscription: string;
      subscriptionItem: string;
      invoiceItem: string | null;
      proration: boolean;
    }
  | { type: 'invoice_item'; invoiceItem: string; subscription: string | null; proration: boolean };

export interface LineFields {
  invoice: string | null;
  amount: number;
  currency: string;
  description: string | null;
  quantity: number | null;
  price: Stripe.Price | null;
  periodStart: number;
  periodEnd: number;
  metadata: Record<string, string>;
  source: LineSource;
}

export function newInvoiceLine(fields: LineFields): Stripe.InvoiceLineItem {
  const { source, price } = fields;
  const parent: Stripe.InvoiceLineItem.Parent =
    source.type === 'subscription_item'
      ? {
          type: 'subscription_item_details',
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: source.invoiceItem,
            proration: source.proration,
            proration_details: { credited_items: null },
            subscription: source.subscription,
            subscription_item: source.subscriptionItem,
          },
        }
      : {
          type: 'invoice_item_details',
          subscription_item_details: null,
          invoice_item_details: {
            invoice_item: source.invoiceItem,
            proration: source.proration,
            proration_details: { credited_items: null },
            subscription: source.subscription,
          },
        };
  return {
    id: newId('invoice_line_item'),
    object: 'line_item',
    amount: fields.amount,
    currency: fields.currency,
    description: fields.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: fields.invoice,
    livemode: false,
    metadata: fields.metadata,
    parent,
    period: { start: fields.periodStart, end: fields.periodEnd },
    pretax_credit_amounts: [],
    pricing: price
      ? {
          type: 'price_details',
          price_details: {
            price: price.id,
            product: typeof price.product === 'string' ? price.product : price.product.id,
          },
          unit_amount_decimal: price.unit_amount_decimal,
        }
      : null,
    quantity: fields.quantity,
    quantity_decimal:
      fields.quantity === null
        ? null
        : (String(fields.quantity) as unknown as Stripe.InvoiceLineItem['quantity_decimal']),
    subscription: source.subscription,
    subtotal: fields.amount,
    taxes: [],
  };
}

export interface InvoiceItemFields {
  customer: Stripe.Customer;
  amount: number;
  currency: string;
  description: string | null;
  price: Stripe.Price | null;
  quantity: number;
  periodStart: number;
  periodEnd: number;
  metadata: Record<string, string>;
  subscription: string | null;
  subscriptionItem: string | null;
  proration: boolean;
  created: number;
}

export function newInvoiceItem(fields: InvoiceItemFields): Stripe.InvoiceItem {
  const { customer, price } = fields;
  return {
    id: newId('invoiceitem'),
    object: 'invoiceitem',
    amount: fields.amount,
    currency: fields.currency,
    customer: customer.id,
    customer_account: null,
    date: fields.created,
    description: fields.description,
    discountable: !fields.proration,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: fields.metadata,
    parent: fields.subscription
      ? {
          type: 'subscription_details',
          subscription_details: {
            subscription: fields.subscription,
            ...(fields.subscriptionItem ? { subscription_item: fields.subscriptionItem } : {}),
          },
        }
      : null,
    period: { start: fields.periodStart, end: fields.periodEnd },
    pricing: price
      ? {
          type: 'price_details',
          price_details: {
            price: price.id,
            product: typeof price.product === 'string' ? price.product : price.product.id,
          },
          unit_amount_decimal: price.unit_amount_decimal,
        }
      : null,
    proration: fields.proration,
    quantity: fields.quantity,
    quantity_decimal: String(fields.quantity) as unknown as Stripe.InvoiceItem['quantity_decimal'],
    tax_rates: [],
    test_clock: customer.test_clock
      ? typeof customer.test_clock === 'string'
        ? customer.test_clock
        : customer.test_clock.id
      : null,
  };
}

export function newInvoicePayment(
  invoice: Stripe.Invoice,
  paymentIntent: Stripe.PaymentIntent,
  created: number,
): Stripe.InvoicePayment {
  return {
    id: newId('invoice_payment'),
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: paymentIntent.amount,
    created,
    currency: paymentIntent.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: paymentIntent.id },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  };
}
