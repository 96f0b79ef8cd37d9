import type { Knex } from 'knex';
import type { Plan } from '../catalog/Plan';
import type { Notice } from '../notifications/notices';
import { enqueueAccountNotification } from '../notifications/outbox';
import { settings } from '../settings';
import type { Subscription } from './Subscription';

export type SubscriptionNoticeKind =
  | 'trial_ending'
  | 'payment_failed'
  | 'subscription_canceled'
  | 'plan_changed'
  | 'plan_change_scheduled'
  | 'subscription.cancellation_scheduled'
  | 'subscription.ending_soon'
  | 'subscription.renewal_reminder';

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
  const notices: Record<SubscriptionNoticeKind, () => Notice> = {
    trial_ending: () => ({
      kind: 'trial_ending',
      data: { planName: plan.name, trialEnd: subscription.trialEnd, billingUrl },
    }),
    payment_failed: () => ({
      kind: 'payment_failed',
      data: { planName: plan.name, accessUntil: subscription.gracePeriodEndsAt, billingUrl },
    }),
    subscription_canceled: () => ({
      kind: 'subscription_canceled',
      data: { planName: plan.name, billingUrl },
    }),
    plan_changed: () => ({ kind: 'plan_changed', data: { planName: plan.name, billingUrl } }),
    plan_change_scheduled: () => ({
      kind: 'plan_change_scheduled',
      data: {
        planName: plan.name,
        changesOn: subscription.currentPeriodEnd,
        amount: plan.priceAmount * subscription.quantity,
        currency: plan.currency,
        interval: plan.billingInterval,
        billingUrl,
      },
    }),
    'subscription.cancellation_scheduled': () => ({
      kind: 'subscription.cancellation_scheduled',
      data: { planName: plan.name, endsOn: subscription.currentPeriodEnd, billingUrl },
    }),
    'subscription.ending_soon': () => ({
      kind: 'subscription.ending_soon',
      data: { planName: plan.name, endsOn: subscription.currentPeriodEnd, billingUrl },
    }),
    'subscription.renewal_reminder': () => ({
      kind: 'subscription.renewal_reminder',
      data: {
        planName: plan.name,
        renewsOn: subscription.currentPeriodEnd,
        amount: plan.priceAmount * subscription.quantity,
        currency: plan.currency,
        interval: plan.billingInterval,
        billingUrl,
      },
    }),
  };
  await enqueueAccountNotification({
    trx,
    accountId: subscription.accountId,
    notice: notices[kind](),
    dedupeKey: `${kind}:${subscription.id}:${cause ?? subscription.currentPeriodStart.toISOString()}:${plan.id}`,
  });
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
  await enqueueAccountNotification({
    trx,
    accountId,
    notice: {
      kind: 'duplicate_subscription_canceled',
      data: { planName: plan.name, refunded, currency, billingUrl: `${settings().publicUrl}/billing` },
    },
    dedupeKey: `duplicate_subscription_canceled:${purchase}`,
  });
}
