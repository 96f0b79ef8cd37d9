import type Stripe from 'stripe';
import { Plan } from '../../catalog/Plan';
import { recordTrialEnding } from '../../partnerWebhooks/events';
import { fetchStripeSubscription } from '../../stripe/subscriptions';
import { idOf } from '../../stripe/timestamps';
import { notifySubscriptionEvent } from '../../subscriptions/notices';
import { Subscription } from '../../subscriptions/Subscription';
import { applyStripeSubscription } from '../../subscriptions/stripeSubscriptionSync';
import { lockOwnerOfStripeObject } from '../accountLock';
import { ignored, type StripeEventHandler } from './types';

/** customer.subscription.created / updated / deleted / paused / resumed. */
export const handleSubscriptionChanged: StripeEventHandler = async ({ trx, event }) => {
  const object = event.data.object as Stripe.Subscription;
  const owned = await lockOwnerOfStripeObject({
    trx,
    what: `Subscription ${object.id}`,
    claimedCustomerId: idOf(object.customer),
    fetch: () => fetchStripeSubscription(object.id),
  });
  if ('ignored' in owned) return ignored(owned.ignored);
  await applyStripeSubscription({ trx, account: owned.account, state: owned.state });
  return { accountId: owned.account.id };
};

/** customer.subscription.trial_will_end: Stripe's three-day warning, to the customer and to partners. */
export const handleTrialWillEnd: StripeEventHandler = async (context) => {
  const result = await handleSubscriptionChanged(context);
  if (result.ignored !== undefined) return result;
  const object = context.event.data.object as Stripe.Subscription;
  const subscription = await Subscription.query(context.trx).findOne({ stripeSubscriptionId: object.id });
  if (subscription?.status === 'trialing' && subscription.trialEnd) {
    const plan = await Plan.query(context.trx).findById(subscription.planId).throwIfNotFound();
    await notifySubscriptionEvent({
      trx: context.trx,
      subscription,
      plan,
      kind: 'trial_ending',
      cause: subscription.trialEnd.toISOString(),
    });
    await recordTrialEnding({ trx: context.trx, subscription });
  }
  return result;
};
