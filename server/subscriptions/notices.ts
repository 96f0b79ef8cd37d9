import type { Knex } from 'knex';
import type { Plan } from '../catalog/Plan';
import { enqueueAccountNotification } from '../notifications/outbox';
import { settings } from '../settings';
import type { Subscription } from './Subscription';

export type SubscriptionNoticeKind =
  'trial_ending' | 'payment_failed' | 'subscription_canceled' | 'plan_changed';

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
