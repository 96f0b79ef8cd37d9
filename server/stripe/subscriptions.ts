import type Stripe from 'stripe';
import { stripe } from './client';
import { fromUnix, idOf } from './timestamps';

/**
 * A Stripe subscription as our domain needs it. Handlers never trust the copy inside an event (events
 * arrive late, twice and out of order); they fetch the current state with `fetchStripeSubscription`.
 */
export interface StripeSubscriptionState {
  stripeSubscriptionId: string;
  stripeCustomerId: string | null;
  status: Stripe.Subscription.Status;
  stripePriceId: string | null;
  priceLookupKey: string | null;
  quantity: number;
  currentPeriodStart: Date;
  currentPeriodEnd: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  endedAt: Date | null;
  /** Our account id, as we put it in the subscription's metadata at Checkout. */
  metadataAccountId: string | null;
}

export async function fetchStripeSubscription(stripeSubscriptionId: string): Promise<StripeSubscriptionState> {
  return toSubscriptionState(await stripe().subscriptions.retrieve(stripeSubscriptionId));
}

export function toSubscriptionState(subscription: Stripe.Subscription): StripeSubscriptionState {
  const item = subscription.items.data[0];
  return {
    stripeSubscriptionId: subscription.id,
    stripeCustomerId: idOf(subscription.customer),
    status: subscription.status,
    stripePriceId: item?.price.id ?? null,
    priceLookupKey: item?.price.lookup_key ?? null,
    quantity: item?.quantity ?? 1,
    currentPeriodStart: fromUnix(item?.current_period_start ?? subscription.start_date),
    currentPeriodEnd: fromUnix(item?.current_period_end ?? null),
    trialStart: fromUnix(subscription.trial_start),
    trialEnd: fromUnix(subscription.trial_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    canceledAt: fromUnix(subscription.canceled_at),
    endedAt: fromUnix(subscription.ended_at),
    metadataAccountId: subscription.metadata?.account_id ?? null,
  };
}
