import type Stripe from 'stripe';
import { z } from 'zod';

export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** Clocks drift; a signature a little ahead of ours is fine, one from minutes ahead is not. */
export const FUTURE_SKEW_SECONDS = 60;

export type VerifiedDelivery = { ok: true; event: Stripe.Event } | { ok: false; reason: string };

/**
 * Checks a delivery's Stripe-Signature over the exact raw bytes with the SDK (which refuses stale
 * timestamps), also refuses timestamps from the future, which the SDK lets through, and refuses a
 * signed body that is not an event: applying it could only fail, and failing would ask Stripe to
 * deliver it again, forever.
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
  const timestamps = signedTimestamps(signature);
  // The SDK signs and checks the last `t=`; a header with several is not one Stripe sends, and reading
  // a different one than the SDK verified is how a future timestamp slipped past this check.
  if (timestamps.length !== 1 || !Number.isFinite(timestamps[0])) {
    return { ok: false, reason: 'The signature must carry exactly one timestamp.' };
  }
  // Freshness is about the delivery in transit, so it is judged by the wall clock, not by the
  // application's business clock (which tests move through months of billing).
  const currentSeconds = Math.floor(Date.now() / 1000);
  if (timestamps[0]! > currentSeconds + FUTURE_SKEW_SECONDS) {
    return { ok: false, reason: 'Signature timestamp is in the future.' };
  }
  let payload: unknown;
  try {
    // The SDK takes "received at" in milliseconds.
    payload = stripe.webhooks.constructEvent(
      rawBody,
      signature,
      secret,
      SIGNATURE_TOLERANCE_SECONDS,
      undefined,
      Date.now(),
    );
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'Invalid signature.' };
  }
  const event = eventShape.safeParse(payload);
  if (!event.success) return { ok: false, reason: 'The signed body is not a Stripe event.' };
  return { ok: true, event: payload as Stripe.Event };
}

/**
 * The `t=` values of a Stripe-Signature header, read exactly as the SDK reads them (items split on
 * commas, keys and values on `=`, numbers by parseInt), so that the timestamp checked here is the
 * one the signature was verified with.
 */
function signedTimestamps(header: string): number[] {
  return header
    .split(',')
    .map((item) => item.split('='))
    .filter(([key]) => key === 't')
    .map(([, value]) => parseInt(value ?? '', 10));
}

/** What applying an event relies on; anything else in the event is Stripe's to add. */
const eventShape = z.looseObject({
  id: z.string().min(1).max(255),
  object: z.literal('event'),
  type: z.string().min(1).max(255),
  created: z.number().int().nonnegative(),
  livemode: z.boolean(),
  data: z.looseObject({ object: z.looseObject({}) }),
});
