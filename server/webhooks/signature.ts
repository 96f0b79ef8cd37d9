import type Stripe from 'stripe';

export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** Clocks drift; a signature a little ahead of ours is fine, one from minutes ahead is not. */
export const FUTURE_SKEW_SECONDS = 60;

export type VerifiedDelivery = { ok: true; event: Stripe.Event } | { ok: false; reason: string };

/**
 * Checks a delivery's Stripe-Signature over the exact raw bytes with the SDK (which refuses stale
 * timestamps), and also refuses timestamps from the future, which the SDK lets through.
 */
export function verifyStripeDelivery({
  stripe,
  rawBody,
  signature,
  secret,
}: {
  stripe: Stripe;
  rawBody: Buffer;
  signature: string | undefined;
  secret: string;
}): VerifiedDelivery {
  if (!signature) return { ok: false, reason: 'Missing Stripe-Signature header.' };
  const timestamp = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1]);
  // Freshness is about the delivery in transit, so it is judged by the wall clock, not by the
  // application's business clock (which tests move through months of billing).
  const currentSeconds = Math.floor(Date.now() / 1000);
  if (Number.isFinite(timestamp) && timestamp > currentSeconds + FUTURE_SKEW_SECONDS) {
    return { ok: false, reason: 'Signature timestamp is in the future.' };
  }
  try {
    // The SDK takes "received at" in milliseconds.
    const event = stripe.webhooks.constructEvent(
      rawBody,
      signature,
      secret,
      SIGNATURE_TOLERANCE_SECONDS,
      undefined,
      Date.now(),
    );
    return { ok: true, event };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'Invalid signature.' };
  }
}
