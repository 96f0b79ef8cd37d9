import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { activateLifetimePlan, findCheckoutForSession, markCheckout } from '../checkout/checkoutCompletion';
import { completeCreditTopUp } from '../checkout/creditTopUps';
import type { StripeCheckoutState } from '../stripe/checkout';
import { syncSubscriptionFromStripe } from '../subscriptions/stripeSubscriptionSync';

/**
 * Applies a Checkout Session as Stripe has it now (the caller locked the account it belongs to).
 * Subscriptions start from the subscription Checkout created; one-time purchases (a lifetime plan,
 * credits) count only once paid. Converges: applying it again, or after a refund already recorded the
 * purchase, changes nothing. Returns why nothing could be applied, for a Checkout we did not open.
 */
export async function applyCheckoutSession({
  trx,
  account,
  state,
}: {
  trx: Knex.Transaction;
  account: Account;
  state: StripeCheckoutState;
}): Promise<{ notOurs: string } | null> {
  const checkout = await findOwnCheckout({ trx, account, state });
  const paid = state.mode === 'payment' && state.paymentStatus === 'paid';
  if (!checkout && state.mode !== 'subscription')
    return { notOurs: `Checkout Session ${state.stripeCheckoutSessionId} was not opened by us` };
  if (state.mode === 'subscription' && state.stripeSubscriptionId) {
    await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId: state.stripeSubscriptionId });
  } else if (paid && checkout?.purpose === 'subscription') {
    await activateLifetimePlan({ trx, account, checkout, state });
  } else if (paid && checkout?.purpose === 'credit_top_up') {
    await completeCreditTopUp({ trx, account, checkout, state });
  }
  if (checkout && state.paymentStatus !== 'unpaid')
    await markCheckout({ trx, checkout, status: 'completed' });
  return null;
}

/** Our checkout behind the session, locked; one opened for another account is refused, not applied. */
export async function findOwnCheckout({
  trx,
  account,
  state,
}: {
  trx: Knex.Transaction;
  account: Account;
  state: StripeCheckoutState;
}) {
  const checkout = await findCheckoutForSession({ trx, state });
  if (checkout && checkout.accountId !== account.id)
    throw new Error(
      `Refused: Checkout Session ${state.stripeCheckoutSessionId} was opened for account ${checkout.accountId}, ` +
        `but in Stripe it belongs to customer ${state.stripeCustomerId ?? '(none)'} of account ${account.id}. ` +
        `Nothing was changed.`,
    );
  return checkout;
}
