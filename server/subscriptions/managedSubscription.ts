import type { Account } from '../accounts/Account';
import type { Actor } from '../auth/actor';
import { authorizeAccount, type Permission } from '../auth/authorization';
import { Plan } from '../catalog/Plan';
import { ConflictError } from '../errors';
import { findCurrentSubscription } from './currentSubscription';
import type { Subscription } from './Subscription';

export interface ManagedSubscription {
  account: Account;
  subscription: Subscription;
  plan: Plan;
}

/** The caller's view of an account's current subscription, after checking it may `permission`. */
export async function loadManagedSubscription({
  actor,
  accountId,
  permission = 'billing.manage',
}: {
  actor: Actor;
  accountId: string;
  permission?: Permission;
}): Promise<ManagedSubscription> {
  const account = await authorizeAccount({ actor, accountId, permission });
  const subscription = await findCurrentSubscription({ accountId });
  if (!subscription) throw new ConflictError('The account has no current subscription.');
  const plan = await Plan.query().findById(subscription.planId).throwIfNotFound();
  return { account, subscription, plan };
}

/** The subscription a cancellation ends: any but the free plan's, which has nothing to end. */
export async function loadCancelableSubscription(args: {
  actor: Actor;
  accountId: string;
}): Promise<ManagedSubscription> {
  const managed = await loadManagedSubscription(args);
  if (managed.plan.isDefault && !managed.subscription.stripeSubscriptionId)
    throw new ConflictError('The free plan has nothing to cancel.');
  return managed;
}

/** A trial without a card: it lives only here until a card is added through Checkout. */
export function isTrialWithoutCard(subscription: Pick<Subscription, 'status' | 'stripeSubscriptionId'>) {
  return subscription.status === 'trialing' && !subscription.stripeSubscriptionId;
}

/**
 * Paid subscriptions live in Stripe; the free plan, card-less trials and lifetime plans only here. A
 * custom contract's plan and price are what sales agreed: a self-serve change would reprice it at the
 * catalog's price.
 */
export function requireStripeSubscription({ subscription, plan }: ManagedSubscription): string {
  if (subscription.contractId)
    throw new ConflictError(
      'This account is on a custom contract; contact sales to change its plan or seats.',
    );
  if (subscription.stripeSubscriptionId) return subscription.stripeSubscriptionId;
  if (plan.billingInterval === 'lifetime')
    throw new ConflictError(`${plan.name} is paid once and does not change; contact support.`);
  if (isTrialWithoutCard(subscription))
    throw new ConflictError(
      'This trial has no card yet: add one through Checkout for the plan you want, and the trial keeps its remaining days.',
    );
  throw new ConflictError('The account has no paid subscription; subscribe through Checkout.');
}
