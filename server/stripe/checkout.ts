import Stripe from 'stripe';
import { stripe } from './client';
import { idOf, toUnix } from './timestamps';

/**
 * Opens a Stripe Checkout for something we recorded first (`checkoutId`), which is also the idempotency
 * key: a retried call returns the same session. Our account id travels in the metadata of everything
 * Checkout creates, so webhooks can find the account even before the customer id is known.
 */
export async function createStripeCheckoutSession({
  checkoutId,
  accountId,
  customerId,
  mode,
  priceId,
  quantity,
  trialDays,
  trialEnd,
  successUrl,
  cancelUrl,
}: {
  checkoutId: string;
  accountId: string;
  customerId: string;
  mode: 'subscription' | 'payment';
  priceId: string;
  quantity: number;
  trialDays?: number;
  /** Continue an existing trial until this moment (converting a card-less trial) instead of starting one. */
  trialEnd?: Date;
  successUrl: string;
  cancelUrl: string;
}): Promise<{ stripeCheckoutSessionId: string; url: string }> {
  const metadata = { account_id: accountId, checkout_id: checkoutId };
  const session = await stripe().checkout.sessions.create(
    {
      mode,
      customer: customerId,
      client_reference_id: accountId,
      line_items: [{ price: priceId, quantity }],
      metadata,
      success_url: successUrl,
      cancel_url: cancelUrl,
      ...(mode === 'subscription'
        ? {
            subscription_data: {
              metadata,
              ...(trialEnd
                ? { trial_end: toUnix(trialEnd) }
                : trialDays
                  ? { trial_period_days: trialDays }
                  : {}),
            },
          }
        : // The card is kept for automatic top-ups, which charge it off-session.
          { payment_intent_data: { metadata, setup_future_usage: 'off_session' as const } }),
    },
    { idempotencyKey: `checkout-${checkoutId}` },
  );
  if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a URL`);
  return { stripeCheckoutSessionId: session.id, url: session.url };
}

export interface StripeCheckoutState {
  stripeCheckoutSessionId: string;
  /** subscription, payment or setup. */
  mode: string;
  /** open, complete or expired. */
  status: string | null;
  /** paid, unpaid (an asynchronous payment method still settling) or no_payment_required. */
  paymentStatus: string;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  stripePaymentIntentId: string | null;
  amountTotal: number | null;
  currency: string | null;
  /** Our checkout record and account, from the metadata we set. */
  checkoutId: string | null;
  metadataAccountId: string | null;
}

export async function fetchStripeCheckoutSession(
  stripeCheckoutSessionId: string,
): Promise<StripeCheckoutState> {
  const session = await stripe().checkout.sessions.retrieve(stripeCheckoutSessionId);
  return {
    stripeCheckoutSessionId: session.id,
    mode: session.mode,
    status: session.status,
    paymentStatus: session.payment_status,
    stripeCustomerId: idOf(session.customer),
    stripeSubscriptionId: idOf(session.subscription),
    stripePaymentIntentId: idOf(session.payment_intent),
    amountTotal: session.amount_total,
    currency: session.currency,
    checkoutId: session.metadata?.checkout_id ?? null,
    metadataAccountId: session.metadata?.account_id ?? session.client_reference_id ?? null,
  };
}

/**
 * Closes an open Checkout Session so that it can no longer be paid. Answers what the session is now:
 * `expired`, or `complete` when the customer paid it first (Stripe then refuses to expire it).
 */
export async function expireStripeCheckoutSession(
  stripeCheckoutSessionId: string,
): Promise<'expired' | 'complete'> {
  const session = await stripe().checkout.sessions.retrieve(stripeCheckoutSessionId);
  if (session.status === 'open') {
    try {
      await stripe().checkout.sessions.expire(stripeCheckoutSessionId);
      return 'expired';
    } catch (error) {
      // Paid (or expired) between our read and the call: what it is now decides.
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) throw error;
      const now = await stripe().checkout.sessions.retrieve(stripeCheckoutSessionId);
      if (now.status === 'open') throw error;
      return now.status === 'complete' ? 'complete' : 'expired';
    }
  }
  return session.status === 'complete' ? 'complete' : 'expired';
}
