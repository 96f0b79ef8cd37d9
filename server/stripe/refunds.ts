import type Stripe from 'stripe';
import { stripe } from './client';
import { idOf } from './timestamps';

export interface StripeRefundState {
  stripeRefundId: string;
  stripePaymentIntentId: string | null;
  amount: number;
  status: string | null;
}

/**
 * Refunds part or all of a payment; the key makes a retry a replay. `request` names the idempotent
 * request that made it, in the refund's metadata, so that request finds it again after Stripe has
 * forgotten the key.
 */
export async function createStripeRefund({
  stripePaymentIntentId,
  amount,
  reason,
  idempotencyKey,
  request = null,
}: {
  stripePaymentIntentId: string;
  amount: number;
  reason: string;
  idempotencyKey: string;
  request?: string | null;
}): Promise<StripeRefundState> {
  const refund = await stripe().refunds.create(
    { payment_intent: stripePaymentIntentId, amount, metadata: { reason, ...(request && { request }) } },
    { idempotencyKey },
  );
  return stateOf(refund);
}

/** The refund of a payment made by the idempotent request `request`, if Stripe has one. */
export async function findStripeRefundOfRequest({
  stripePaymentIntentId,
  request,
}: {
  stripePaymentIntentId: string;
  request: string;
}): Promise<StripeRefundState | null> {
  for await (const refund of stripe().refunds.list({ payment_intent: stripePaymentIntentId, limit: 100 }))
    if (refund.metadata?.request === request) return stateOf(refund);
  return null;
}

function stateOf(refund: Stripe.Refund): StripeRefundState {
  return {
    stripeRefundId: refund.id,
    stripePaymentIntentId: idOf(refund.payment_intent),
    amount: refund.amount,
    status: refund.status,
  };
}

/** Every refund of a charge, as Stripe has them now. */
export async function listStripeRefundsOfCharge(stripeChargeId: string): Promise<StripeRefundState[]> {
  const refunds = await stripe().refunds.list({ charge: stripeChargeId, limit: 100 });
  return refunds.data.map((refund) => ({
    stripeRefundId: refund.id,
    stripePaymentIntentId: idOf(refund.payment_intent),
    amount: refund.amount,
    status: refund.status,
  }));
}
