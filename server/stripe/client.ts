import Stripe from 'stripe';

/**
 * The one Stripe client of the process: real Stripe when STRIPE_SECRET_KEY is set, otherwise the
 * project's emulator (server/stripe-emulator/) through the same official SDK. Nothing outside
 * server/stripe/ knows which. The API version is the one the installed SDK pins.
 */
export type StripeClient = Stripe;

let current: Stripe | undefined;

export function stripe(): Stripe {
  if (!current) throw new Error('Stripe is not configured: call useStripe() at start-up');
  return current;
}

/** Installs the process's Stripe client; returns a function that restores the previous one. */
export function useStripe(client: Stripe): () => void {
  const previous = current;
  current = client;
  return () => {
    current = previous;
  };
}

export function createStripeClient({
  secretKey,
  emulator,
}: {
  secretKey: string;
  emulator?: { host: string; port: number; protocol: 'http' };
}): Stripe {
  return new Stripe(secretKey, {
    // Retries reuse the idempotency key the SDK (or we) set, so a retried create never duplicates.
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'billing-service' },
    ...(emulator ?? {}),
  });
}

export const STRIPE_API_VERSION: string = Stripe.API_VERSION;
