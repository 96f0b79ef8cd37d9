import type Stripe from 'stripe';
import {
  activateLifetimePlan,
  findCheckoutForSession,
  markCheckout,
} from '../../checkout/checkoutCompletion';
import { completeCreditTopUp } from '../../checkout/creditTopUps';
import { fetchStripeCheckoutSession } from '../../stripe/checkout';
import { idOf } from '../../stripe/timestamps';
import { lockAccountForStripeObject } from '../accountLock';
import { syncSubscriptionFromStripe } from '../../subscriptions/stripeSubscriptionSync';
import { notOurs, type StripeEventHandler } from './types';

/**
 * checkout.session.completed and checkout.session.async_payment_succeeded. Subscriptions start from the
 * subscription Checkout created; one-time purchases (a lifetime plan, credits) count only once paid.
 */
export const handleCheckoutCompleted: StripeEventHandler = async ({ trx, event }) => {
  const object = event.data.object as Stripe.Checkout.Session;
  const account = await lockAccountForStripeObject({
    trx,
    customerId: idOf(object.customer),
    metadataAccountId: object.metadata?.account_id ?? object.client_reference_id,
  });
  if (!account) return notOurs(`Checkout Session ${object.id}`);
  const state = await fetchStripeCheckoutSession(object.id);
  const checkout = await findCheckoutForSession({ trx, state });

  if (state.mode === 'subscription' && state.stripeSubscriptionId) {
    await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId: state.stripeSubscriptionId });
  } else if (
    state.mode === 'payment' &&
    state.paymentStatus === 'paid' &&
    checkout?.purpose === 'subscription'
  ) {
    await activateLifetimePlan({ trx, account, checkout, state });
  } else if (
    state.mode === 'payment' &&
    state.paymentStatus === 'paid' &&
    checkout?.purpose === 'credit_top_up'
  ) {
    await completeCreditTopUp({ trx, account, checkout, state });
  }
  if (checkout && state.paymentStatus !== 'unpaid')
    await markCheckout({ trx, checkout, status: 'completed' });
  return { accountId: account.id };
};

/** checkout.session.expired and checkout.session.async_payment_failed: nothing was bought. */
export const handleCheckoutAbandoned: StripeEventHandler = async ({ trx, event }) => {
  const object = event.data.object as Stripe.Checkout.Session;
  const account = await lockAccountForStripeObject({
    trx,
    customerId: idOf(object.customer),
    metadataAccountId: object.metadata?.account_id,
  });
  if (!account) return notOurs(`Checkout Session ${object.id}`);
  const checkout = await findCheckoutForSession({ trx, state: await fetchStripeCheckoutSession(object.id) });
  if (checkout) await markCheckout({ trx, checkout, status: 'expired' });
  return { accountId: account.id };
};
