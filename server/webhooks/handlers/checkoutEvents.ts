import type Stripe from 'stripe';
import { markCheckout } from '../../checkout/checkoutCompletion';
import { fetchStripeCheckoutSession } from '../../stripe/checkout';
import { idOf } from '../../stripe/timestamps';
import { lockOwnerOfStripeObject } from '../accountLock';
import { applyCheckoutSession, findOwnCheckout } from '../checkoutApplication';
import { ignored, type HandlerContext, type StripeEventHandler } from './types';

function lockOwnerOfSession({ trx, event }: HandlerContext) {
  const object = event.data.object as Stripe.Checkout.Session;
  return lockOwnerOfStripeObject({
    trx,
    what: `Checkout Session ${object.id}`,
    claimedCustomerId: idOf(object.customer),
    fetch: () => fetchStripeCheckoutSession(object.id),
  });
}

/** checkout.session.completed and checkout.session.async_payment_succeeded. */
export const handleCheckoutCompleted: StripeEventHandler = async (context) => {
  const owned = await lockOwnerOfSession(context);
  if ('ignored' in owned) return ignored(owned.ignored);
  const unapplied = await applyCheckoutSession({
    trx: context.trx,
    account: owned.account,
    state: owned.state,
  });
  return unapplied ? ignored(unapplied.notOurs, owned.account.id) : { accountId: owned.account.id };
};

/** checkout.session.expired and checkout.session.async_payment_failed: nothing was bought. */
export const handleCheckoutAbandoned: StripeEventHandler = async (context) => {
  const owned = await lockOwnerOfSession(context);
  if ('ignored' in owned) return ignored(owned.ignored);
  const { account, state } = owned;
  const checkout = await findOwnCheckout({ trx: context.trx, account, state });
  if (!checkout)
    return ignored(`Checkout Session ${state.stripeCheckoutSessionId} was not opened by us`, account.id);
  await markCheckout({ trx: context.trx, checkout, status: 'expired' });
  return { accountId: account.id };
};
