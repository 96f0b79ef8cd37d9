import Stripe from 'stripe';
import { PaymentProviderError } from '../errors';

/**
 * Runs a Stripe call and turns a Stripe failure into our PaymentProviderError. Card errors carry a
 * message written for the cardholder, which we pass on; anything else gets a message of ours, and
 * Stripe's own error stays in the logs (it is attached as `cause`).
 */
export async function callStripe<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    const message =
      error.type === 'StripeCardError'
        ? error.message
        : `The payment provider could not ${operation}. Please try again.`;
    throw new PaymentProviderError(
      message,
      { declineCode: error.decline_code ?? null, stripeCode: error.code ?? null },
      { cause: error },
    );
  }
}

/** Stripe has no object by the id asked for (another Stripe account's, or a restarted emulator's). */
export function isMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
}

/** Stripe refused a charge to the customer's card (a decline, an expired card...), as `callStripe` reports it. */
export function isCardRefusal(error: unknown): boolean {
  return error instanceof PaymentProviderError && error.cause instanceof Stripe.errors.StripeCardError;
}
