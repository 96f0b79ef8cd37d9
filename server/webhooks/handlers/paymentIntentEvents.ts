import type Stripe from 'stripe';
import { fetchPaymentIntentOutcome } from '../../stripe/paymentIntents';
import { idOf } from '../../stripe/timestamps';
import { lockOwnerOfStripeObject } from '../accountLock';
import { recordPaymentOfIntent } from '../paymentOfIntent';
import { ignored, type StripeEventHandler } from './types';

/**
 * payment_intent.succeeded / payment_failed: records the payment the intent made, whichever event about
 * it arrives first (a Checkout's, an invoice's, or an automatic top-up whose process did not see the
 * outcome itself because it crashed or Stripe took its time). A failed Checkout buys nothing, and a
 * failed invoice payment is recorded, with its notice, from invoice.payment_failed.
 */
export const handlePaymentIntent: StripeEventHandler = async ({ trx, event }) => {
  const object = event.data.object as Stripe.PaymentIntent;
  const owned = await lockOwnerOfStripeObject({
    trx,
    what: `PaymentIntent ${object.id}`,
    claimedCustomerId: idOf(object.customer),
    fetch: () => fetchPaymentIntentOutcome(object.id),
  });
  if ('ignored' in owned) return ignored(owned.ignored);
  const { account, state } = owned;
  if (state.outcome === null)
    return ignored(
      `PaymentIntent ${object.id} is still processing; its outcome comes in a later event`,
      account.id,
    );
  if (state.outcome === 'failed' && state.kind !== 'auto_top_up')
    return ignored(
      `PaymentIntent ${object.id} failed; a failed Checkout buys nothing and a failed invoice payment is recorded from invoice.payment_failed`,
      account.id,
    );
  const recorded = await recordPaymentOfIntent({ trx, account, stripePaymentIntentId: object.id });
  return recorded.payment ? { accountId: account.id } : ignored(recorded.reason, account.id);
};
