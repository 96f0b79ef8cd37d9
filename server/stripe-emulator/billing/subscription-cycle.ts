import type Stripe from 'stripe';
import type { Context } from '../context';
import { createDraftInvoice, subscriptionInvoiceFields, subscriptionPeriodLines } from './invoice-build';
import { voidInvoice } from './invoice-lifecycle';
import { cancelSubscriptionNow } from './subscription-status';
import { subscriptionPaymentMethod } from './subscriptions';
import { HOUR, nextPeriodEnd } from './time';

/** How long a renewal invoice stays a draft before Stripe finalizes and charges it. */
export const DRAFT_FINALIZATION_DELAY = HOUR;
/** How long an incomplete subscription waits for its first payment before it expires. */
export const INCOMPLETE_EXPIRY = 23 * HOUR;

function startNewPeriod(
  ctx: Context,
  subscription: Stripe.Subscription,
  start: number,
  anchor: number,
): Stripe.Invoice {
  const recurring = subscription.items.data[0].price.recurring as Stripe.Price.Recurring;
  const end = nextPeriodEnd(anchor, recurring.interval, recurring.interval_count, start);
  const previousStart = subscription.items.data[0].current_period_start;
  for (const item of subscription.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
  if (subscription.cancel_at_period_end) subscription.cancel_at = end;
  const customer = ctx.store.require('customer', subscription.customer as string);
  const invoice = createDraftInvoice(
    ctx,
    // A renewal invoice's own period is the one that just ended; its lines cover the new one.
    subscriptionInvoiceFields(subscription, customer, {
      billingReason: 'subscription_cycle',
      periodStart: previousStart,
      periodEnd: start,
      created: start,
    }),
    {
      sweepPendingItems: true,
      extraLines: (id) => subscriptionPeriodLines(ctx, subscription, id, { start, end }),
    },
  );
  invoice.automatically_finalizes_at = start + DRAFT_FINALIZATION_DELAY;
  subscription.latest_invoice = invoice.id;
  return invoice;
}

/**
 * The period ended: roll every item into the next period and create the renewal invoice as a draft,
 * which is finalized and charged an hour later (see engine.ts), as Stripe does.
 * Events: `customer.subscription.updated`, `invoice.created`.
 */
export function renewSubscription(ctx: Context, subscription: Stripe.Subscription, at: number): void {
  const before = structuredClone(subscription);
  const invoice = startNewPeriod(ctx, subscription, at, subscription.billing_cycle_anchor);
  ctx.store.changed();
  ctx.events.emit('customer.subscription.updated', subscription, before);
  ctx.events.emit('invoice.created', invoice);
}

/**
 * The trial ended. With a payment method (or `missing_payment_method: create_invoice`) the subscription
 * becomes active and its first paid period is invoiced like a renewal; without one it is canceled or
 * paused, as `trial_settings.end_behavior.missing_payment_method` says.
 */
export function endTrial(ctx: Context, subscription: Stripe.Subscription, at: number): void {
  const hasPaymentMethod = subscriptionPaymentMethod(ctx, subscription) !== null;
  const behaviour = subscription.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice';
  if (!hasPaymentMethod && behaviour === 'cancel') {
    cancelSubscriptionNow(ctx, subscription, { reason: 'cancellation_requested' });
    return;
  }
  if (!hasPaymentMethod && behaviour === 'pause') {
    ctx.events.update('customer.subscription.updated', subscription, (s) => {
      s.status = 'paused';
    });
    ctx.events.emit('customer.subscription.paused', subscription);
    return;
  }
  const before = structuredClone(subscription);
  subscription.status = 'active';
  subscription.billing_cycle_anchor = at;
  const invoice = startNewPeriod(ctx, subscription, at, at);
  ctx.store.changed();
  ctx.events.emit('customer.subscription.updated', subscription, before);
  ctx.events.emit('invoice.created', invoice);
}

export function notifyTrialWillEnd(ctx: Context, subscription: Stripe.Subscription): void {
  const extras = (ctx.store.extras.subscriptions[subscription.id] ??= {});
  extras.trialWillEndSentFor = subscription.trial_end ?? undefined;
  ctx.store.changed();
  ctx.events.emit('customer.subscription.trial_will_end', subscription);
}

/** The first invoice was not paid within 23 hours: the subscription expires and the invoice is voided. */
export function expireIncompleteSubscription(
  ctx: Context,
  subscription: Stripe.Subscription,
  at: number,
): void {
  const invoiceId = subscription.latest_invoice as string | null;
  const invoice = invoiceId ? ctx.store.get('invoice', invoiceId) : undefined;
  if (invoice && invoice.status === 'open') voidInvoice(ctx, invoice);
  ctx.events.update('customer.subscription.updated', subscription, (s) => {
    s.status = 'incomplete_expired';
    s.ended_at = at;
  });
}

/** Resumes a paused subscription (POST /v1/subscriptions/:id/resume): a new period starts now and is invoiced. */
export function resumeSubscription(ctx: Context, subscription: Stripe.Subscription, at: number): void {
  const before = structuredClone(subscription);
  subscription.status = 'active';
  subscription.billing_cycle_anchor = at;
  subscription.pause_collection = null;
  const invoice = startNewPeriod(ctx, subscription, at, at);
  invoice.billing_reason = 'subscription_update';
  ctx.store.changed();
  ctx.events.emit('customer.subscription.updated', subscription, before);
  ctx.events.emit('customer.subscription.resumed', subscription);
  ctx.events.emit('invoice.created', invoice);
}
