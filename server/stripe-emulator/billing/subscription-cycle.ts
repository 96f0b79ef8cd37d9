import type Stripe from 'stripe';
import type { Context } from '../context';
import { createDraftInvoice, subscriptionInvoiceFields, subscriptionPeriodLines } from './invoice-build';
import { voidInvoice } from './invoice-lifecycle';
import { cancelSubscriptionNow } from './subscription-status';
import { subscriptionPaymentMethod } from './subscriptions';
import { DAY, HOUR, nextPeriodEnd } from './time';

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

/** What happens to a subscription whose trial ends now, per `trial_settings.end_behavior`. */
export type TrialEndOutcome = 'invoice' | 'pause' | 'cancel';

/**
 * With a payment method, or `missing_payment_method: create_invoice` (the default), the first paid
 * period is invoiced; without one, `pause` and `cancel` do what they say and nothing is charged.
 */
export function trialEndOutcome(ctx: Context, subscription: Stripe.Subscription): TrialEndOutcome {
  if (subscriptionPaymentMethod(ctx, subscription) !== null) return 'invoice';
  const behaviour = subscription.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice';
  if (behaviour === 'pause') return 'pause';
  if (behaviour === 'cancel') return 'cancel';
  return 'invoice';
}

/**
 * Marks a subscription paused because its trial ended without a payment method. The items keep the
 * trial period: a paused subscription does not move to a new period until it is resumed.
 */
export function markPausedAtTrialEnd(subscription: Stripe.Subscription, at: number): void {
  subscription.status = 'paused';
  subscription.status_details = {
    paused: {
      type: 'subscription',
      subscription: { type: 'trial_end_without_payment_method' },
      transitioned_at: at,
    },
  };
}

/**
 * The trial ended on schedule. The subscription becomes active and its first paid period is invoiced
 * like a renewal, or it is paused or canceled (see `trialEndOutcome`). Events: `customer.subscription.updated`
 * and `invoice.created`; `customer.subscription.updated` and `customer.subscription.paused`; or
 * `customer.subscription.deleted`.
 */
export function endTrial(ctx: Context, subscription: Stripe.Subscription, at: number): void {
  const outcome = trialEndOutcome(ctx, subscription);
  if (outcome === 'cancel') {
    cancelSubscriptionNow(ctx, subscription, { reason: 'cancellation_requested' });
    return;
  }
  if (outcome === 'pause') {
    ctx.events.update('customer.subscription.updated', subscription, (s) => markPausedAtTrialEnd(s, at));
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

/** How far ahead of a trial's end Stripe warns with `customer.subscription.trial_will_end`. */
export const TRIAL_WILL_END_NOTICE = 3 * DAY;

export function notifyTrialWillEnd(ctx: Context, subscription: Stripe.Subscription): void {
  const extras = (ctx.store.extras.subscriptions[subscription.id] ??= {});
  extras.trialWillEndSentFor = subscription.trial_end ?? undefined;
  ctx.store.changed();
  ctx.events.emit('customer.subscription.trial_will_end', subscription);
}

/**
 * Sends `customer.subscription.trial_will_end` now when the trial ends within the notice period and
 * the warning has not been sent for this trial end: a trial shorter than three days is warned about as
 * soon as it starts (or is shortened), not three days before it ends.
 */
export function notifyTrialWillEndIfDue(ctx: Context, subscription: Stripe.Subscription, now: number): void {
  if (subscription.status !== 'trialing' || subscription.trial_end === null) return;
  if (subscription.trial_end - TRIAL_WILL_END_NOTICE > now) return;
  if (ctx.store.extras.subscriptions[subscription.id]?.trialWillEndSentFor === subscription.trial_end) return;
  notifyTrialWillEnd(ctx, subscription);
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
