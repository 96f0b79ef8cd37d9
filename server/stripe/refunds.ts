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
  /** Why it failed, when it did (Stripe's `failure_reason`: expired_or_canceled_card, lost_or_stolen_card...). */
  failureReason: string | null;
  /** Why it was made, as we wrote it in its metadata (a refund made in Stripe's dashboard has none). */
  reason: string | null;
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
    failureReason: refund.failure_reason ?? null,
    reason: refund.metadata?.reason ?? null,
    created: refund.created,
  };
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
  return toRefundState(refund);
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
    if (refund.metadata?.request === request) return toRefundState(refund);
  return null;
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
