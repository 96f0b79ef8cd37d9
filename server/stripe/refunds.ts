import type Stripe from 'stripe';
import { stripe } from './client';
import { everyItem } from './lists';
import { isMissing } from './errors';
import { idOf, toUnix } from './timestamps';

export interface StripeRefundState {
  stripeRefundId: string;
  stripeChargeId: string | null;
  stripePaymentIntentId: string | null;
  stripeCustomerId: string | null;
  amount: number;
  currency: string;
  /** pending, requires_action, succeeded, failed or canceled: only a succeeded refund moved money. */
  status: string | null;
  created: number;
}

export function toRefundState(refund: Stripe.Refund): StripeRefundState {
  return {
    stripeRefundId: refund.id,
    stripeChargeId: idOf(refund.charge),
    stripePaymentIntentId: idOf(refund.payment_intent),
    stripeCustomerId: idOf(refund.customer),
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status,
    created: refund.created,
  };
}

/** Refunds part or all of a payment; the key (from our payment and what was refunded before) makes a retry a replay. */
export async function createStripeRefund({
  stripePaymentIntentId,
  amount,
  reason,
  idempotencyKey,
}: {
  stripePaymentIntentId: string;
  amount: number;
  reason: string;
  idempotencyKey: string;
}): Promise<StripeRefundState> {
  const refund = await stripe().refunds.create(
    { payment_intent: stripePaymentIntentId, amount, metadata: { reason } },
    { idempotencyKey },
  );
  return toRefundState(refund);
}

/** The refund as Stripe has it now, or null when Stripe has none by that id. */
export async function findStripeRefund(stripeRefundId: string): Promise<StripeRefundState | null> {
  try {
    return toRefundState(await stripe().refunds.retrieve(stripeRefundId));
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/**
 * Every refund of a charge, as Stripe has them now, oldest first. Stripe lists newest first, also among
 * refunds made in the same second, so its order, reversed, is the order they were made in.
 */
export async function listStripeRefundsOfCharge(stripeChargeId: string): Promise<StripeRefundState[]> {
  const refunds = await everyItem(stripe().refunds.list({ charge: stripeChargeId, limit: 100 }));
  return refunds
    .map(toRefundState)
    .reverse()
    .sort((a, b) => a.created - b.created);
}

/** Every refund made since `since`, whoever made it (we, or someone in Stripe's dashboard). */
export async function listStripeRefundsSince(since: Date): Promise<StripeRefundState[]> {
  const refunds = await everyItem(stripe().refunds.list({ created: { gte: toUnix(since) }, limit: 100 }));
  return refunds.map(toRefundState);
}
