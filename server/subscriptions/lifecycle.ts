import { ConflictError } from '../errors';
import type { SubscriptionStatus } from './Subscription';

/**
 * The subscription lifecycle, in one place (docs/subscription-lifecycle.md draws it). Every status
 * change goes through `assertTransition`; anything not listed is refused, including leaving the two
 * terminal statuses. Staying in a status is always allowed (a renewal keeps `active`).
 */
export const TRANSITIONS: Record<SubscriptionStatus, readonly SubscriptionStatus[]> = {
  // Checkout in progress (e.g. a 3-D Secure step): it succeeds, or Stripe gives up.
  incomplete: ['active', 'trialing', 'expired', 'canceled'],
  // A trial converts when paid, fails to past_due, or ends without a card (expired) or by cancellation.
  trialing: ['active', 'past_due', 'paused', 'canceled', 'expired'],
  active: ['past_due', 'paused', 'canceled', 'expired'],
  // Paid within the grace period → active; grace period over or dunning exhausted → canceled.
  past_due: ['active', 'paused', 'canceled', 'expired'],
  paused: ['active', 'trialing', 'past_due', 'canceled', 'expired'],
  canceled: [],
  expired: [],
};

export const ENDED_STATUSES: readonly SubscriptionStatus[] = ['canceled', 'expired'];

export function canTransition(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

export function assertTransition(from: SubscriptionStatus, to: SubscriptionStatus): void {
  if (!canTransition(from, to))
    throw new ConflictError(`A ${from} subscription cannot become ${to}.`, { from, to });
}
