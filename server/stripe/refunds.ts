import { stripe } from './client';
import { idOf } from './timestamps';

export interface StripeRefundState {
  stripeRefundId: string;
  stripePaymentIntentId: string | null;
  amount: number;
  status: string | null;
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
