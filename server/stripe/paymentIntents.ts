import Stripe from 'stripe';
import { stripe } from './client';
import { isMissing } from './errors';
import { cardOnFileId } from './paymentMethods';
import { idOf } from './timestamps';

export interface OffSessionCharge {
  stripePaymentIntentId: string | null;
  /** succeeded, or failed with a reason the customer can act on. */
  outcome: 'succeeded' | 'failed';
  failureReason: string | null;
}

/**
 * Charges the customer's saved card while they are away (automatic top-ups). The key, derived from our
 * payment row, makes a retry return the same PaymentIntent. A decline, or a card that needs the
 * customer to authenticate, is a failed charge, not an error.
 */
export async function chargeOffSession({
  stripeCustomerId,
  amount,
  currency,
  description,
  metadata,
  idempotencyKey,
}: {
  stripeCustomerId: string;
  amount: number;
  currency: string;
  description: string;
  metadata: Record<string, string>;
  idempotencyKey: string;
}): Promise<OffSessionCharge> {
  const paymentMethod = await cardOnFileId(stripeCustomerId);
  if (!paymentMethod)
    return { stripePaymentIntentId: null, outcome: 'failed', failureReason: 'No card on file.' };
  try {
    const intent = await stripe().paymentIntents.create(
      {
        amount,
        currency,
        customer: stripeCustomerId,
        payment_method: paymentMethod,
        off_session: true,
        confirm: true,
        description,
        metadata,
      },
      { idempotencyKey },
    );
    if (intent.status === 'succeeded')
      return { stripePaymentIntentId: intent.id, outcome: 'succeeded', failureReason: null };
    const reason =
      intent.status === 'requires_action'
        ? 'The card needs the cardholder to authenticate.'
        : (intent.last_payment_error?.message ?? `The payment is ${intent.status}.`);
    return { stripePaymentIntentId: intent.id, outcome: 'failed', failureReason: reason };
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeCardError)) throw error;
    const intent = (error.raw as { payment_intent?: { id: string } }).payment_intent;
    return { stripePaymentIntentId: intent?.id ?? null, outcome: 'failed', failureReason: error.message };
  }
}

/** A PaymentIntent's outcome as our payments record it, with the metadata we gave it. */
export async function fetchPaymentIntentOutcome(stripePaymentIntentId: string) {
  return outcomeOf(await stripe().paymentIntents.retrieve(stripePaymentIntentId));
}

/**
 * The outcome of the PaymentIntent a customer's charge for our payment created, found by the payment id
 * in its metadata; null when there is none. Finds it even after Stripe has forgotten the charge's
 * idempotency key (kept 24 hours).
 */
export async function findPaymentIntentOutcomeOfPayment({
  stripeCustomerId,
  paymentId,
}: {
  stripeCustomerId: string;
  paymentId: string;
}): Promise<ReturnType<typeof outcomeOf> | null> {
  for await (const intent of stripe().paymentIntents.list({ customer: stripeCustomerId, limit: 100 }))
    if (intent.metadata?.payment_id === paymentId) return outcomeOf(intent);
  return null;
}

function outcomeOf(intent: Stripe.PaymentIntent) {
  const settled =
    intent.status === 'succeeded'
      ? 'succeeded'
      : intent.status === 'requires_payment_method' ||
          intent.status === 'canceled' ||
          intent.status === 'requires_action'
        ? 'failed'
        : null;
  return {
    stripePaymentIntentId: intent.id,
    /** null while the payment is still processing. */
    outcome: settled as 'succeeded' | 'failed' | null,
    failureReason:
      intent.last_payment_error?.message ??
      (intent.status === 'requires_action' ? 'The card needs the cardholder to authenticate.' : null),
    paymentId: intent.metadata?.payment_id ?? null,
    stripeCustomerId: idOf(intent.customer),
    /** What we said it was for, in the metadata we gave it: `auto_top_up`, or a Checkout of ours. */
    kind: intent.metadata?.kind ?? null,
    checkoutId: intent.metadata?.checkout_id ?? null,
  };
}

/** What reconciliation compares with our payment: Stripe's status, the amount received and the amount refunded. */
export interface StripePaymentIntentState {
  stripePaymentIntentId: string;
  status: Stripe.PaymentIntent.Status;
  amountReceived: number;
  amountRefunded: number;
}

/** The PaymentIntent as a plain state, or null when Stripe has none by that id (another Stripe account, or a restarted emulator). */
export async function findStripePaymentIntent(
  stripePaymentIntentId: string,
): Promise<StripePaymentIntentState | null> {
  try {
    const intent = await stripe().paymentIntents.retrieve(stripePaymentIntentId, {
      expand: ['latest_charge'],
    });
    const charge = intent.latest_charge;
    return {
      stripePaymentIntentId: intent.id,
      status: intent.status,
      amountReceived: intent.amount_received,
      amountRefunded: charge && typeof charge !== 'string' ? charge.amount_refunded : 0,
    };
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}
