import type { Knex } from 'knex';
import type { Plan } from '../catalog/Plan';
import { enqueueAccountNotification } from '../notifications/outbox';
import { settings } from '../settings';
import type { Subscription } from './Subscription';

export type SubscriptionNoticeKind =
  'trial_ending' | 'payment_failed' | 'subscription_canceled' | 'plan_changed' | 'plan_change_scheduled';

const day = (date: Date | null) => (date ? date.toISOString().slice(0, 10) : 'soon');

/**
 * The notices a subscription's life produces, queued in the outbox within the caller's transaction.
 * Each has a dedupe key naming its cause, so a webhook delivered twice or a job run twice sends one.
 */
export async function notifySubscriptionEvent({
  trx,
  subscription,
  plan,
  kind,
  cause,
}: {
  trx: Knex.Transaction;
  subscription: Subscription;
  plan: Plan;
  kind: SubscriptionNoticeKind;
  /** What makes this occurrence distinct (an invoice attempt, a trial end); defaults to the period. */
  cause?: string;
}): Promise<void> {
  const billingUrl = `${settings().publicUrl}/billing`;
  const messages: Record<SubscriptionNoticeKind, { subject: string; body: string }> = {
    trial_ending: {
      subject: `Your ${plan.name} trial ends on ${day(subscription.trialEnd)}`,
      body: `Your trial of ${plan.name} ends on ${day(subscription.trialEnd)}. Add a payment method to keep your plan: ${billingUrl}`,
    },
    payment_failed: {
      subject: 'Your payment failed',
      body: `We could not collect the payment for ${plan.name}. Your access continues until ${day(subscription.gracePeriodEndsAt)}; update your payment method to keep it: ${billingUrl}`,
    },
    subscription_canceled: {
      subject: `Your ${plan.name} subscription has ended`,
      body: `Your ${plan.name} subscription has ended and your account is back on the free plan. You can subscribe again at any time: ${billingUrl}`,
    },
    plan_changed: {
      subject: `Your plan is now ${plan.name}`,
      body: `Your subscription is now on ${plan.name}. Details of your billing: ${billingUrl}`,
    },
    plan_change_scheduled: {
      subject: `Your plan moves to ${plan.name} on ${day(subscription.currentPeriodEnd)}`,
      body: `From your renewal on ${day(subscription.currentPeriodEnd)}, your subscription is on ${plan.name} at ${formatMoney(plan.priceAmount * subscription.quantity, plan.currency)} per ${plan.billingInterval}. Details of your billing: ${billingUrl}`,
    },
  };
  const { subject, body } = messages[kind];
  await enqueueAccountNotification({
    trx,
    accountId: subscription.accountId,
    kind,
    subject,
    bodyText: body,
    dedupeKey: `${kind}:${subscription.id}:${cause ?? subscription.currentPeriodStart.toISOString()}:${plan.id}`,
  });
}

/** Minor units as a person reads them; the division happens only here, for display. */
function formatMoney(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** digits);
}

/**
 * Tells the customer that a second subscription Stripe held for them was canceled and what it charged
 * was refunded, once per purchase.
 */
export async function notifyExtraSubscriptionCanceled({
  trx,
  accountId,
  plan,
  purchase,
  refunded,
  currency,
}: {
  trx: Knex.Transaction;
  accountId: string;
  plan: Plan;
  /** The Stripe subscription (or, for a lifetime plan, the Checkout Session) that was one too many. */
  purchase: string;
  refunded: number;
  currency: string;
}): Promise<void> {
  const refund =
    refunded > 0
      ? ` The ${formatMoney(refunded, currency)} it charged is refunded to your card.`
      : ' It had charged nothing.';
  await enqueueAccountNotification({
    trx,
    accountId,
    kind: 'duplicate_subscription_canceled',
    subject: `We canceled a second ${plan.name} subscription`,
    bodyText: `Your account had a second subscription (${plan.name}), started alongside the one you have; an account pays for one. We canceled the second one.${refund} Your current plan is unchanged: ${settings().publicUrl}/billing`,
    dedupeKey: `duplicate_subscription_canceled:${purchase}`,
  });
}
