import type Stripe from 'stripe';
import type { Context } from '../context';
import { nowForCustomer } from './time';

function subscriptionFor(ctx: Context, invoice: Stripe.Invoice): Stripe.Subscription | undefined {
  const reference = invoice.parent?.subscription_details?.subscription;
  if (!reference) return undefined;
  return ctx.store.get('subscription', typeof reference === 'string' ? reference : reference.id);
}

function hasOtherUnpaidInvoices(ctx: Context, subscription: Stripe.Subscription, except: string): boolean {
  return ctx.store
    .list('invoice')
    .some(
      (invoice) =>
        invoice.id !== except &&
        invoice.status === 'open' &&
        invoice.parent?.subscription_details?.subscription === subscription.id &&
        invoice.collection_method === 'charge_automatically',
    );
}

function awaitsResumptionBy(ctx: Context, subscription: Stripe.Subscription, invoice: Stripe.Invoice) {
  if (subscription.status !== 'paused') return undefined;
  const pending = ctx.store.extras.subscriptions[subscription.id]?.pendingResumption;
  return pending?.invoice === invoice.id ? pending : undefined;
}

/**
 * A paused subscription is no longer paused: `customer.subscription.updated` with the new status, then
 * `customer.subscription.resumed`.
 */
export function unpauseSubscription(
  ctx: Context,
  subscription: Stripe.Subscription,
  status: 'active' | 'past_due',
): void {
  delete ctx.store.extras.subscriptions[subscription.id]?.pendingResumption;
  ctx.events.update('customer.subscription.updated', subscription, (s) => {
    s.status = status;
    delete s.status_details;
  });
  ctx.events.emit('customer.subscription.resumed', subscription);
}

/**
 * A paid invoice brings an incomplete or past-due subscription back to active (or trialing), and a
 * paused one whose resumption invoice it is.
 */
export function afterInvoicePaid(ctx: Context, invoice: Stripe.Invoice): void {
  const subscription = subscriptionFor(ctx, invoice);
  if (!subscription) return;
  if (subscription.status === 'paused') {
    if (awaitsResumptionBy(ctx, subscription, invoice)) unpauseSubscription(ctx, subscription, 'active');
    return;
  }
  const now = nowForCustomer(ctx.store, subscription.customer as string);
  const inTrial = subscription.trial_end !== null && subscription.trial_end > now;
  if (subscription.status === 'incomplete') {
    ctx.events.update('customer.subscription.updated', subscription, (s) => {
      s.status = inTrial ? 'trialing' : 'active';
    });
    return;
  }
  if (
    (subscription.status === 'past_due' || subscription.status === 'unpaid') &&
    !hasOtherUnpaidInvoices(ctx, subscription, invoice.id)
  ) {
    ctx.events.update('customer.subscription.updated', subscription, (s) => {
      s.status = 'active';
    });
  }
}

/**
 * A failed automatic payment makes an active subscription past due. After the last retry fails, the
 * subscription is canceled (Stripe's default) or marked unpaid, per the emulator's settings; the invoice
 * itself stays open, as it does on Stripe unless told to mark it uncollectible.
 */
export function afterInvoicePaymentFailed(
  ctx: Context,
  invoice: Stripe.Invoice,
  attempt: { finalAttempt: boolean; automatic: boolean },
): void {
  const subscription = subscriptionFor(ctx, invoice);
  if (!subscription || subscription.status === 'canceled' || subscription.status === 'incomplete_expired')
    return;
  if (subscription.status === 'incomplete') return;
  if (subscription.status === 'paused') {
    // Under resume_on_payment_success the subscription waits, paused, for a retry to succeed.
    const pending = awaitsResumptionBy(ctx, subscription, invoice);
    if (pending?.paymentBehavior === 'resume_on_payment_attempt')
      unpauseSubscription(ctx, subscription, 'past_due');
    return;
  }
  if (attempt.finalAttempt) {
    if (ctx.afterFinalPaymentFailure === 'cancel') {
      cancelSubscriptionNow(ctx, subscription, { reason: 'payment_failed' });
    } else {
      ctx.events.update('customer.subscription.updated', subscription, (s) => {
        s.status = 'unpaid';
      });
    }
    return;
  }
  if (subscription.status === 'active' || subscription.status === 'trialing') {
    ctx.events.update('customer.subscription.updated', subscription, (s) => {
      s.status = 'past_due';
    });
  }
}

/** Marking a resumption invoice uncollectible resumes its subscription, as paying it would. */
export function afterInvoiceMarkedUncollectible(ctx: Context, invoice: Stripe.Invoice): void {
  const subscription = subscriptionFor(ctx, invoice);
  if (subscription && awaitsResumptionBy(ctx, subscription, invoice))
    unpauseSubscription(ctx, subscription, 'active');
}

/** Ends a subscription now and emits `customer.subscription.deleted`. */
export function cancelSubscriptionNow(
  ctx: Context,
  subscription: Stripe.Subscription,
  details: {
    reason: Stripe.Subscription.CancellationDetails.Reason;
    comment?: string | null;
    feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
  },
): void {
  const now = nowForCustomer(ctx.store, subscription.customer as string);
  subscription.status = 'canceled';
  subscription.canceled_at = subscription.canceled_at ?? now;
  subscription.ended_at = now;
  subscription.cancel_at_period_end = false;
  subscription.cancellation_details = {
    comment: details.comment ?? subscription.cancellation_details?.comment ?? null,
    feedback: details.feedback ?? subscription.cancellation_details?.feedback ?? null,
    feedback_option: null,
    reason: details.reason,
  };
  ctx.store.changed();
  ctx.events.emit('customer.subscription.deleted', subscription);
}
