import type Stripe from 'stripe';
import { stripe } from './client';
import { everyItem } from './lists';
import { listStripeRefundsOfCharge, type StripeRefundState } from './refunds';
import { idOf, toUnix } from './timestamps';

/** A charge as our payments need it: whose it is, what it took, and every refund of it. */
export interface StripeChargeState {
  stripeChargeId: string;
  stripeCustomerId: string | null;
  stripePaymentIntentId: string | null;
  amount: number;
  amountRefunded: number;
  currency: string;
  /** succeeded, pending or failed. */
  status: string;
  /** The metadata of its PaymentIntent, which Stripe copies onto the charge (our payment id, for top-ups). */
  metadataPaymentId: string | null;
  created: number;
}

function toChargeState(charge: Stripe.Charge): StripeChargeState {
  return {
    stripeChargeId: charge.id,
    stripeCustomerId: idOf(charge.customer),
    stripePaymentIntentId: idOf(charge.payment_intent),
    amount: charge.amount,
    amountRefunded: charge.amount_refunded,
    currency: charge.currency,
    status: charge.status,
    metadataPaymentId: charge.metadata?.payment_id ?? null,
    created: charge.created,
  };
}

/** The charge as Stripe has it now, with its refunds. */
export async function fetchStripeCharge(
  stripeChargeId: string,
): Promise<StripeChargeState & { refunds: StripeRefundState[] }> {
  const charge = toChargeState(await stripe().charges.retrieve(stripeChargeId));
  return { ...charge, refunds: await listStripeRefundsOfCharge(stripeChargeId) };
}

/** Every charge that succeeded since `since`, whoever made it. */
export async function listSucceededStripeChargesSince(since: Date): Promise<StripeChargeState[]> {
  const charges = await everyItem(stripe().charges.list({ created: { gte: toUnix(since) }, limit: 100 }));
  return charges.map(toChargeState).filter((charge) => charge.status === 'succeeded');
}
