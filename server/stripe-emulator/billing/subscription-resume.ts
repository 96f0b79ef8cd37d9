import type Stripe from 'stripe';
import type { Context } from '../context';
import { ApiError } from '../http/errors';
import { collectInvoice, finalizeInvoice, voidInvoice } from './invoice-lifecycle';
import { unpauseSubscription } from './subscription-status';
import {
  createProrationItems,
  draftSubscriptionUpdateInvoice,
  prorationLines,
  type ProrationBehavior,
} from './subscription-update';
import { HOUR, periodAround, periodBoundary } from './time';

export type ResumePaymentBehavior = 'resume_on_payment_attempt' | 'resume_on_payment_success';

export interface ResumeInput {
  billingCycleAnchor: 'now' | 'unchanged';
  prorationBehavior: ProrationBehavior;
  prorationDate?: number;
  paymentBehavior: ResumePaymentBehavior;
}

/** How long a resumption invoice waits for a payment attempt before Stripe voids it. */
export const RESUMPTION_INVOICE_EXPIRY = 23 * HOUR;

/**
 * POST /v1/subscriptions/:id/resume. With `billing_cycle_anchor: now` a new period starts now and is
 * invoiced in full; with `unchanged` the subscription rejoins the period of its old anchor that contains
 * now, and the rest of that period is prorated as `proration_behavior` says (only `always_invoice`
 * invoices it at once). Without a resumption invoice the subscription is active at once. With one, it
 * is finalized at once and the subscription stays `paused` until the invoice settles: with
 * `resume_on_payment_success` it is charged now and retried on the dunning schedule, the subscription
 * resuming when it is paid; with `resume_on_payment_attempt` (Stripe's default) nothing is charged
 * now, the first payment attempt resumes it (`active`, or `past_due` when that attempt fails, without
 * retries), and an invoice nobody tried to pay is voided after 23 hours, leaving it paused.
 */
export function resumeSubscription(
  ctx: Context,
  subscription: Stripe.Subscription,
  input: ResumeInput,
  at: number,
): void {
  if (subscription.status !== 'paused')
    throw ApiError.invalid('Only a paused subscription can be resumed.', { code: 'subscription_not_paused' });
  if (subscription.collection_method !== 'charge_automatically') {
    throw ApiError.invalid(
      'Resume is only available for subscriptions that use `charge_automatically` collection.',
    );
  }
  const recurring = subscription.items.data[0].price.recurring as Stripe.Price.Recurring;
  const before = structuredClone(subscription);
  const period =
    input.billingCycleAnchor === 'now'
      ? { start: at, end: periodBoundary(at, recurring.interval, recurring.interval_count, 1) }
      : periodAround(subscription.billing_cycle_anchor, recurring.interval, recurring.interval_count, at);
  if (input.billingCycleAnchor === 'now') subscription.billing_cycle_anchor = at;
  for (const item of subscription.items.data) {
    item.current_period_start = period.start;
    item.current_period_end = period.end;
  }
  if (subscription.cancel_at_period_end) subscription.cancel_at = period.end;
  ctx.store.changed();
  if (JSON.stringify(before) !== JSON.stringify(subscription))
    ctx.events.emit('customer.subscription.updated', subscription, before);

  let invoice: Stripe.Invoice | null = null;
  if (input.billingCycleAnchor === 'now') {
    invoice = draftSubscriptionUpdateInvoice(ctx, subscription, at, period);
  } else if (input.prorationBehavior !== 'none') {
    const remainder = prorationLines(ctx, [], subscription.items.data, input.prorationDate ?? at);
    createProrationItems(ctx, subscription, remainder, at);
    if (input.prorationBehavior === 'always_invoice')
      invoice = draftSubscriptionUpdateInvoice(ctx, subscription, at);
  }
  if (!invoice) {
    unpauseSubscription(ctx, subscription, 'active');
    return;
  }
  const extras = (ctx.store.extras.subscriptions[subscription.id] ??= {});
  extras.pendingResumption = { invoice: invoice.id, paymentBehavior: input.paymentBehavior };
  ctx.store.changed();
  // A resumption invoice with nothing to pay is paid when finalized, which resumes the subscription.
  finalizeInvoice(ctx, invoice);
  if (invoice.status === 'open' && input.paymentBehavior === 'resume_on_payment_success')
    collectInvoice(ctx, invoice, { automatic: true });
}

/** The resumption invoice of a subscription still waiting to resume, while it is open. */
export function openResumptionInvoice(
  ctx: Context,
  subscription: Stripe.Subscription,
): Stripe.Invoice | undefined {
  if (subscription.status !== 'paused') return undefined;
  const pending = ctx.store.extras.subscriptions[subscription.id]?.pendingResumption;
  const invoice = pending ? ctx.store.get('invoice', pending.invoice) : undefined;
  return invoice?.status === 'open' ? invoice : undefined;
}

/** Nobody tried to pay the resumption invoice in time: it is voided and the subscription stays paused. */
export function expireResumptionInvoice(
  ctx: Context,
  subscription: Stripe.Subscription,
  invoice: Stripe.Invoice,
): void {
  delete ctx.store.extras.subscriptions[subscription.id]?.pendingResumption;
  voidInvoice(ctx, invoice);
}
