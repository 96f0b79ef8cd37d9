import type { Actor } from '../auth/actor';
import type { PlanChoice } from '../subscriptions/planChoice';
import { authorizeAccount } from '../auth/authorization';
import { withIdempotency } from '../idempotency/idempotentRequests';
import { CheckoutSession } from './CheckoutSession';
import { startCreditPackageCheckout } from './creditCheckout';
import type { StartedCheckout } from './openCheckout';
import { startSubscriptionCheckout } from './subscriptionCheckout';

/** What opening a Checkout answers: our record of it, and Stripe's page to send the customer to. */
export interface OpenedCheckout {
  checkoutSession: CheckoutSession;
  url: string;
}

interface CheckoutRequest {
  actor: Actor;
  accountId: string;
  idempotencyKey?: string | null;
  /** Where Stripe sends the customer back to; part of the input a key's retry must repeat. */
  successUrl?: string | null;
  cancelUrl?: string | null;
}

/*
 * The Checkouts as the API opens them: safe to retry under the caller's idempotency key (a retry answers
 * the Checkout the first call opened, to a caller who may still open one), answered with the Checkout.
 */

export function requestSubscriptionCheckout({
  actor,
  idempotencyKey,
  ...input
}: CheckoutRequest & PlanChoice & { seats?: number | null }) {
  return openCheckoutOnce({ actor, idempotencyKey, operation: 'startSubscriptionCheckout', input }, () =>
    startSubscriptionCheckout({ actor, ...input }),
  );
}

export function requestCreditPackageCheckout({
  actor,
  idempotencyKey,
  ...input
}: CheckoutRequest & { creditPackageId?: string | null; creditPackageKey?: string | null }) {
  return openCheckoutOnce({ actor, idempotencyKey, operation: 'startCreditPackageCheckout', input }, () =>
    startCreditPackageCheckout({ actor, ...input }),
  );
}

async function openCheckoutOnce(
  {
    actor,
    idempotencyKey,
    operation,
    input,
  }: {
    actor: Actor;
    idempotencyKey: string | null | undefined;
    operation: string;
    input: { accountId: string };
  },
  start: () => Promise<StartedCheckout>,
): Promise<OpenedCheckout> {
  const started = await withIdempotency({
    actor,
    idempotencyKey,
    operation,
    input,
    authorize: () => authorizeAccount({ actor, accountId: input.accountId, permission: 'billing.manage' }),
    work: start,
  });
  const checkoutSession = await CheckoutSession.query().findById(started.checkoutSessionId);
  if (!checkoutSession) throw new Error(`Checkout ${started.checkoutSessionId} vanished after ${operation}`);
  return { checkoutSession, url: started.url };
}
