import type Stripe from 'stripe';
import { Plan } from '../../catalog/Plan';
import { idOf } from '../../stripe/timestamps';
import { notifySubscriptionEvent } from '../../subscriptions/notices';
import { Subscription } from '../../subscriptions/Subscription';
import { lockAccountForStripeObject } from '../accountLock';
import { syncSubscriptionFromStripe } from '../../subscriptions/stripeSubscriptionSync';
import { notOurs, type StripeEventHandler } from './types';

/** customer.subscription.created / updated / deleted / paused / resumed. */
export const handleSubscriptionChanged: StripeEventHandler = async ({ trx, event }) => {
  const object = event.data.object as Stripe.Subscription;
  const account = await lockAccountForStripeObject({
    trx,
    customerId: idOf(object.customer),
    metadataAccountId: object.metadata?.account_id,
  });
  if (!account) return notOurs(`Subscription ${object.id}`);
  await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId: object.id });
  return { accountId: account.id };
};

/** customer.subscription.trial_will_end: Stripe's three-day warning. */
export const handleTrialWillEnd: StripeEventHandler = async (context) => {
  const result = await handleSubscriptionChanged(context);
  if (!result.accountId) return result;
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
  }
  return result;
};
