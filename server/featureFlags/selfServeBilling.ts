import type { Actor } from '../auth/actor';
import { ForbiddenError } from '../errors';
import { isFeatureEnabledFor } from './featureFlagEvaluation';

/** What a customer was trying to do, in the words of the refusal. */
export type SelfServeBillingAction =
  'change your plan' | 'buy credits' | 'start a trial' | 'change seats' | 'set up automatic top-ups';

/**
 * Customers (signed-in users) are refused self-serve billing actions while self_serve_billing is off for
 * their account; partners' keys and platform admins are not. The web app shows the same state before
 * anyone clicks (Account.featureFlag).
 */
export async function assertSelfServeBilling({
  actor,
  accountId,
  action,
}: {
  actor: Actor;
  accountId: string;
  action: SelfServeBillingAction;
}): Promise<void> {
  if (actor.kind !== 'user' || actor.isPlatformAdmin) return;
  if (!(await isFeatureEnabledFor({ key: 'self_serve_billing', accountId }))) {
    throw new ForbiddenError(
      `Self-serve billing is turned off for this account; please contact sales to ${action}.`,
    );
  }
}
