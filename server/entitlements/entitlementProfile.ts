import type { Knex } from 'knex';
import { findDefaultPlan } from '../catalog/catalog';
import { Plan } from '../catalog/Plan';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { Contract } from '../contracts/Contract';
import { now } from '../clock';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';
import type { Subscription } from '../subscriptions/Subscription';
import { onChange } from '../db/changeNotifications';
import { ExpiringCache } from '../expiringCache';
import type { EntitlementCheck } from './evaluate';

/** What an account may do right now: the plan that grants access, its entitlements, and the period. */
export interface EntitlementProfile {
  subscription: Subscription | null;
  plan: Plan;
  entitlements: PlanEntitlement[];
  /** Seats bought, on per-seat plans: the cap of the `seats` feature. */
  seatsBought: number | null;
  periodStart: Date;
  periodEnd: Date | null;
}

/** Cached per process for the partners' hot path (docs/decisions/005). */
const profiles = new ExpiringCache<EntitlementProfile>(30_000, { refreshWhileServing: true });

/**
 * The answers given in the last few seconds, per account and feature. Usage and resource counts move
 * all the time; a partner asking about one account again and again within seconds gets the same
 * answer. This process drops them at once when it records usage or registers a resource for the account;
 * other processes' changes show within five seconds. Enforcement (registerResource) never reads them.
 */
const recentChecks = new ExpiringCache<Map<string, Promise<EntitlementCheck>>>(5_000, {
  spreadExpiry: true,
});

export function forgetEntitlements(accountId: string): void {
  profiles.delete(accountId);
  recentChecks.delete(accountId);
}

export function forgetRecentChecks(accountId: string): void {
  recentChecks.delete(accountId);
}

export async function recentCheck(
  accountId: string,
  featureKey: string,
  scopeKey: string | null,
  evaluate: () => Promise<EntitlementCheck>,
): Promise<EntitlementCheck> {
  const checks = (await recentChecks.get(
    accountId,
    async () => new Map<string, Promise<EntitlementCheck>>(),
  ))!;
  // Feature keys hold no spaces, so the key cannot collide across parents.
  const key = scopeKey === null ? featureKey : `${featureKey} ${scopeKey}`;
  const known = checks.get(key);
  if (known) return known;
  // Kept as a promise, so checks of the same feature at the same moment share one evaluation.
  const check = evaluate();
  checks.set(key, check);
  check.catch(() => checks.get(key) === check && checks.delete(key));
  return check;
}

onChange('subscription_changed', forgetEntitlements, () => {
  profiles.clear();
  recentChecks.clear();
});

export function entitlementProfile({ accountId }: { accountId: string }): Promise<EntitlementProfile> {
  return profiles.get(accountId, () => loadEntitlementProfile({ accountId }));
}

/**
 * Trialing and active subscriptions give their plan's entitlements, and so does a past-due one until its
 * grace period ends. Anything else (paused, incomplete, a lapsed grace period the job has not ended
 * yet) gives the default plan's.
 */
export function grantsAccess(subscription: Subscription, at: Date): boolean {
  if (subscription.status === 'trialing' || subscription.status === 'active') return true;
  return (
    subscription.status === 'past_due' &&
    (!subscription.gracePeriodEndsAt || subscription.gracePeriodEndsAt > at)
  );
}

export async function loadEntitlementProfile({
  trx,
  accountId,
}: {
  trx?: Knex.Transaction;
  accountId: string;
}): Promise<EntitlementProfile> {
  const subscription = (await findCurrentSubscription({ trx, accountId })) ?? null;
  const plan =
    subscription && grantsAccess(subscription, now())
      ? await Plan.query(trx).findById(subscription.planId)
      : await findDefaultPlan(trx);
  if (!plan) throw new Error('The catalog has no default plan');
  const entitlements = await PlanEntitlement.query(trx).where({ planId: plan.id }).withGraphFetched('meter');
  const ownPlan = subscription?.planId === plan.id;
  return {
    subscription,
    plan,
    entitlements:
      ownPlan && subscription?.contractId
        ? await withContractLimits({ trx, contractId: subscription.contractId, entitlements })
        : entitlements,
    seatsBought: ownPlan && plan.perSeat ? subscription!.quantity : null,
    periodStart: subscription?.currentPeriodStart ?? now(),
    periodEnd: subscription?.currentPeriodEnd ?? null,
  };
}

/**
 * A custom contract's own limits replace the plan's. Only subscriptions a contract started carry its id,
 * so every other account's profile costs no extra query.
 */
async function withContractLimits({
  trx,
  contractId,
  entitlements,
}: {
  trx?: Knex.Transaction;
  contractId: string;
  entitlements: PlanEntitlement[];
}): Promise<PlanEntitlement[]> {
  const contract = await Contract.query(trx).findById(contractId);
  if (!contract || contract.entitlementOverrides.length === 0) return entitlements;
  return entitlements.map((entitlement) => {
    const override = contract.entitlementOverrides.find(
      (candidate) => candidate.featureKey === entitlement.featureKey,
    );
    if (!override || entitlement.kind !== 'limit') return entitlement;
    return Object.assign(entitlement.$clone(), { limitValue: override.limit, unlimited: override.unlimited });
  });
}
