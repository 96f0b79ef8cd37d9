import type Stripe from 'stripe';
import type { Context } from '../context';
import { ApiError } from '../http/errors';
import { newInvoicePayment } from '../objects/invoice';
import { newPaymentIntent } from '../objects/payments';
import type { ChargeOutcome } from '../payments/cards';
import { confirmPaymentIntent } from '../payments/confirm';
import { recomputeTotals } from './invoice-build';
import {
  afterInvoiceMarkedUncollectible,
  afterInvoicePaid,
  afterInvoicePaymentFailed,
} from './subscription-status';
import { DAY, nowForCustomer } from './time';

function customerOf(ctx: Context, invoice: Stripe.Invoice): Stripe.Customer {
  return ctx.store.require('customer', invoice.customer as string, 'customer');
}

export function subscriptionOf(ctx: Context, invoice: Stripe.Invoice): Stripe.Subscription | undefined {
  const reference = invoice.parent?.subscription_details?.subscription;
  if (!reference) return undefined;
  return ctx.store.get('subscription', typeof reference === 'string' ? reference : reference.id);
}

/**
 * Finalizes a draft: gives it a number and hosted URLs, applies the customer's credit balance and
 * emits `invoice.finalized`. An invoice with nothing left to pay is paid on the spot.
 */
export function finalizeInvoice(ctx: Context, invoice: Stripe.Invoice): void {
  if (invoice.status !== 'draft')
    throw ApiError.stateTransition(
      `This invoice is already finalized, you can't re-finalize a non-draft invoice.`,
    );
  const customer = customerOf(ctx, invoice);
  const now = nowForCustomer(ctx.store, customer);
  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  invoice.number = `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`;
  invoice.status = 'open';
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at = now;
  invoice.automatically_finalizes_at = null;
  invoice.hosted_invoice_url = `${ctx.publicUrl}/i/${invoice.id}`;
  invoice.invoice_pdf = `${ctx.publicUrl}/i/${invoice.id}/pdf`;
  invoice.starting_balance = customer.balance;
  recomputeTotals(invoice);
  const afterBalance = invoice.total + invoice.starting_balance;
  invoice.ending_balance = afterBalance < 0 ? afterBalance : 0;
  if (customer.balance !== invoice.ending_balance) {
    ctx.events.update('customer.updated', customer, (c) => {
      c.balance = invoice.ending_balance ?? 0;
    });
  }
  if (invoice.collection_method === 'send_invoice') {
    const subscription = subscriptionOf(ctx, invoice);
    invoice.due_date = now + (subscription?.days_until_due ?? 30) * DAY;
  }
  ctx.store.changed();
  ctx.events.emit('invoice.finalized', invoice);
  if (invoice.amount_due === 0) markInvoicePaid(ctx, invoice, null);
}

function openInvoicePayment(ctx: Context, invoice: Stripe.Invoice): Stripe.InvoicePayment | undefined {
  return ctx.store
    .list('invoice_payment')
    .find((payment) => payment.invoice === invoice.id && payment.status === 'open');
}

export function markInvoicePaid(
  ctx: Context,
  invoice: Stripe.Invoice,
  payment: Stripe.InvoicePayment | null,
  outOfBand = false,
): void {
  const now = nowForCustomer(ctx.store, invoice.customer as string);
  invoice.amount_paid = invoice.amount_due;
  if (outOfBand) invoice.amount_paid_off_stripe = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status = 'paid';
  invoice.status_transitions.paid_at = now;
  invoice.next_payment_attempt = null;
  invoice.attempted = invoice.attempted || invoice.amount_due > 0;
  if (payment) {
    payment.status = 'paid';
    payment.amount_paid = payment.amount_requested;
    payment.status_transitions.paid_at = now;
    ctx.events.emit('invoice_payment.paid', payment);
  }
  ctx.store.changed();
  ctx.events.emit('invoice.paid', invoice);
  ctx.events.emit('invoice.payment_succeeded', invoice);
  afterInvoicePaid(ctx, invoice);
}

export interface CollectOptions {
  /** An explicit card (invoices.pay, the hosted invoice page); otherwise the invoice's default. */
  paymentMethod?: Stripe.PaymentMethod;
  /** Automatic collection (finalization, renewals, dunning) rather than a request by the merchant or payer. */
  automatic: boolean;
  /** The payer is present (hosted invoice page) and can complete 3-D Secure. */
  onSession?: boolean;
  authenticated?: boolean;
}

function defaultPaymentMethodId(ctx: Context, invoice: Stripe.Invoice): string | null {
  const subscription = subscriptionOf(ctx, invoice);
  const customer = customerOf(ctx, invoice);
  const candidates = [
    invoice.default_payment_method,
    subscription?.default_payment_method,
    customer.invoice_settings.default_payment_method,
  ];
  for (const candidate of candidates)
    if (candidate) return typeof candidate === 'string' ? candidate : candidate.id;
  return null;
}

/**
 * Tries to collect an open invoice with a card. One PaymentIntent serves every attempt on an invoice;
 * each attempt that reaches the card makes a charge. A failed automatic attempt schedules the next
 * retry of the dunning schedule; when none is left, the subscription is canceled or marked unpaid.
 * Every failed attempt changes `attempt_count` (and maybe `next_payment_attempt`): `invoice.updated`.
 */
export function collectInvoice(
  ctx: Context,
  invoice: Stripe.Invoice,
  options: CollectOptions,
): ChargeOutcome {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw ApiError.invalid(`Invoice is already ${invoice.status === 'paid' ? 'paid' : invoice.status}`, {
      code: 'invoice_not_editable',
    });
  }
  if (invoice.amount_remaining === 0) {
    markInvoicePaid(ctx, invoice, null);
    return { kind: 'succeeded' };
  }
  const customer = customerOf(ctx, invoice);
  const now = nowForCustomer(ctx.store, customer);
  const methodId = options.paymentMethod?.id ?? defaultPaymentMethodId(ctx, invoice);
  const method = options.paymentMethod ?? (methodId ? ctx.store.get('payment_method', methodId) : undefined);

  let payment = openInvoicePayment(ctx, invoice);
  let intent = payment
    ? ctx.store.get('payment_intent', payment.payment.payment_intent as string)
    : undefined;
  if (!intent && method) {
    intent = ctx.store.insert(
      'payment_intent',
      newPaymentIntent({
        amount: invoice.amount_remaining,
        currency: invoice.currency,
        customer: customer.id,
        paymentMethod: null,
        description: describeInvoicePayment(invoice),
        metadata: {},
        setupFutureUsage: null,
        receiptEmail: null,
        captureMethod: 'automatic',
        created: now,
      }),
    );
    ctx.events.emit('payment_intent.created', intent);
    payment = ctx.store.insert('invoice_payment', newInvoicePayment(invoice, intent, now));
  }

  const beforeAttempt = structuredClone(invoice);
  invoice.attempt_count += 1;
  invoice.attempted = true;
  let outcome: ChargeOutcome;
  if (!method || !intent) {
    outcome = {
      kind: 'declined',
      declineCode: 'generic_decline',
      message: 'The customer has no attached payment source or default payment method.',
    };
    invoice.last_finalization_error = null;
  } else {
    outcome = confirmPaymentIntent(ctx, intent, {
      paymentMethod: method,
      offSession: !options.onSession,
      authenticated: options.authenticated,
      authenticationParksIntent: true,
      returnUrl: invoice.hosted_invoice_url ?? null,
    }).outcome;
  }

  if (outcome.kind === 'succeeded') {
    markInvoicePaid(ctx, invoice, payment ?? null);
    return outcome;
  }
  const finalAttempt = options.automatic && scheduleNextAttempt(ctx, invoice);
  ctx.store.changed();
  if (outcome.kind === 'requires_action') ctx.events.emit('invoice.payment_action_required', invoice);
  else ctx.events.emit('invoice.payment_failed', invoice);
  // The invoice stays open with a new attempt count and retry date, which Stripe reports as an update.
  ctx.events.emit('invoice.updated', invoice, beforeAttempt);
  afterInvoicePaymentFailed(ctx, invoice, { finalAttempt, automatic: options.automatic });
  return outcome;
}

/** Sets `next_payment_attempt` from the retry schedule; returns true when no retry is left. */
function scheduleNextAttempt(ctx: Context, invoice: Stripe.Invoice): boolean {
  const subscription = subscriptionOf(ctx, invoice);
  // A subscription's first invoice is not retried: the subscription stays incomplete until paid or expired.
  if (subscription && invoice.billing_reason === 'subscription_create') {
    invoice.next_payment_attempt = null;
    return false;
  }
  const firstAttempt = invoice.status_transitions.finalized_at ?? invoice.created;
  const retryDay = ctx.paymentRetryDays[invoice.attempt_count - 1];
  if (retryDay === undefined) {
    invoice.next_payment_attempt = null;
    return true;
  }
  invoice.next_payment_attempt = firstAttempt + retryDay * DAY;
  return false;
}

function describeInvoicePayment(invoice: Stripe.Invoice): string {
  switch (invoice.billing_reason) {
    case 'subscription_create':
      return 'Subscription creation';
    case 'subscription_update':
      return 'Subscription update';
    case 'subscription_cycle':
      return 'Subscription cycle';
    default:
      return `Payment for Invoice ${invoice.number ?? invoice.id}`;
  }
}

export function voidInvoice(ctx: Context, invoice: Stripe.Invoice): void {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw ApiError.stateTransition(
      `You can only void an open or uncollectible invoice; this one is ${invoice.status}.`,
    );
  }
  invoice.status = 'void';
  invoice.status_transitions.voided_at = nowForCustomer(ctx.store, invoice.customer as string);
  invoice.next_payment_attempt = null;
  invoice.amount_remaining = 0;
  const payment = openInvoicePayment(ctx, invoice);
  if (payment) {
    payment.status = 'canceled';
    payment.status_transitions.canceled_at = invoice.status_transitions.voided_at;
    const intent = ctx.store.get('payment_intent', payment.payment.payment_intent as string);
    if (intent && intent.status !== 'succeeded' && intent.status !== 'canceled') {
      const intentBefore = structuredClone(intent);
      intent.status = 'canceled';
      intent.canceled_at = invoice.status_transitions.voided_at;
      intent.cancellation_reason = 'void_invoice';
      ctx.events.emit('payment_intent.canceled', intent, intentBefore);
    }
  }
  ctx.store.changed();
  ctx.events.emit('invoice.voided', invoice);
}

export function markUncollectible(ctx: Context, invoice: Stripe.Invoice): void {
  if (invoice.status !== 'open')
    throw ApiError.stateTransition(
      `You can only mark an open invoice as uncollectible; this one is ${invoice.status}.`,
    );
  invoice.status = 'uncollectible';
  invoice.status_transitions.marked_uncollectible_at = nowForCustomer(ctx.store, invoice.customer as string);
  invoice.next_payment_attempt = null;
  ctx.store.changed();
  ctx.events.emit('invoice.marked_uncollectible', invoice);
  afterInvoiceMarkedUncollectible(ctx, invoice);
}

/** Finalizes a draft and, for automatic collection, charges it straight away. */
export function finalizeAndCollect(ctx: Context, invoice: Stripe.Invoice): void {
  finalizeInvoice(ctx, invoice);
  if (invoice.status === 'open' && invoice.collection_method === 'charge_automatically') {
    collectInvoice(ctx, invoice, { automatic: true });
  }
}
