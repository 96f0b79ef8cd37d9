import type { Knex } from 'knex';
import { z } from 'zod';
import type { EntitlementKind, EntitlementScope, PlanEntitlement } from '../catalog/PlanEntitlement';
import type { Plan } from '../catalog/Plan';
import { ValidationError } from '../errors';
import { meterUsage } from '../usage/usageReads';
import type { EntitlementProfile } from './entitlementProfile';
import { countResources, SEATS_FEATURE } from './resourceCounts';

/** The answer to "may this account do X?", for one feature key. */
export interface EntitlementCheck {
  featureKey: string;
  /** null when the account's plan does not include the feature at all. */
  kind: EntitlementKind | null;
  /** May the account use the feature now (for a countable resource: create one more)? */
  allowed: boolean;
  unlimited: boolean;
  /** The cap (LIMIT), the units included in the period (METERED) or the credit allowance (CREDITS); null when unlimited or not capped. */
  limit: number | null;
  used: number | null;
  remaining: number | null;
  /** Usage is at or beyond the plan's soft-limit percentage of the limit. */
  softLimitReached: boolean;
  softLimitPercent: number | null;
  /** Usage beyond the allowance is billed as overage rather than refused (METERED). */
  overageAllowed: boolean;
  /** Whom a LIMIT counts for; null when the plan lacks the feature. */
  scope: EntitlementScope | null;
  scopeResourceType: string | null;
  /** The parent resource the answer counts under (per-resource limits); null for the whole account. */
  scopeKey: string | null;
  overageBufferPercent: number | null;
  /** What is admitted at most: the limit plus its buffer (LIMIT); null when uncapped. */
  hardLimit: number | null;
  /** Usage is beyond the limit (LIMIT and METERED). */
  overLimit: boolean;
  /** Usage is beyond the limit but within its buffer (LIMIT). */
  withinBuffer: boolean;
  plan: Plan;
  periodStart: Date | null;
  periodEnd: Date | null;
}

type CheckBase = Pick<
  EntitlementCheck,
  | 'featureKey'
  | 'plan'
  | 'periodStart'
  | 'periodEnd'
  | 'softLimitPercent'
  | 'scope'
  | 'scopeResourceType'
  | 'scopeKey'
  | 'overageBufferPercent'
  | 'hardLimit'
  | 'overLimit'
  | 'withinBuffer'
>;

/** The partner's id for a parent resource (a room), as checks, registrations and releases take it. */
export const scopeKeyInput = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(200, 'is at most 200 characters')
  .nullish()
  .transform((value) => value ?? null);

/**
 * The parent resource a request names must match the entitlement: required for a per-resource limit,
 * refused for one counted per account (it would be silently ignored). A feature the plan lacks takes
 * either, so that a partner can ask the same way whatever plan the account is on.
 */
export function checkScopeKey(entitlement: PlanEntitlement | undefined, scopeKey: string | null): void {
  if (!entitlement) return;
  if (entitlement.scope === 'per_resource' && scopeKey === null)
    throw ValidationError.forField(
      'scopeKey',
      `is required: ${entitlement.featureKey} is limited per ${entitlement.scopeResourceType}`,
    );
  if (entitlement.scope === 'account' && scopeKey !== null)
    throw ValidationError.forField(
      'scopeKey',
      `must be left out: ${entitlement.featureKey} is not limited per resource`,
    );
}

/**
 * The answer for one feature; for a per-resource limit, under the parent `scopeKey` (checked by
 * checkScopeKey). Without one (an account's list of entitlements) it gives the limit per parent and
 * no usage.
 */
export async function evaluateEntitlement({
  trx,
  accountId,
  profile,
  featureKey,
  scopeKey = null,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  profile: EntitlementProfile;
  featureKey: string;
  scopeKey?: string | null;
}): Promise<EntitlementCheck> {
  const entitlement = profile.entitlements.find((candidate) => candidate.featureKey === featureKey);
  const base: CheckBase = {
    featureKey,
    plan: profile.plan,
    periodStart: null,
    periodEnd: null,
    softLimitPercent: entitlement?.softLimitPercent ?? null,
    scope: entitlement?.scope ?? null,
    scopeResourceType: entitlement?.scopeResourceType ?? null,
    scopeKey: entitlement?.scope === 'per_resource' ? scopeKey : null,
    overageBufferPercent: entitlement?.overageBufferPercent ?? null,
    hardLimit: null,
    overLimit: false,
    withinBuffer: false,
  };
  if (!entitlement) {
    return {
      ...base,
      kind: null,
      allowed: false,
      unlimited: false,
      limit: null,
      used: null,
      remaining: null,
      softLimitReached: false,
      overageAllowed: false,
    };
  }
  switch (entitlement.kind) {
    case 'boolean':
      return {
        ...base,
        kind: 'boolean',
        allowed: true,
        unlimited: false,
        limit: null,
        used: null,
        remaining: null,
        softLimitReached: false,
        overageAllowed: false,
      };
    case 'credits':
      return {
        ...base,
        kind: 'credits',
        allowed: true,
        unlimited: false,
        limit: entitlement.creditAllowance,
        used: null,
        remaining: null,
        softLimitReached: false,
        overageAllowed: false,
      };
    case 'limit': {
      const limit =
        featureKey === SEATS_FEATURE && profile.seatsBought !== null
          ? profile.seatsBought
          : entitlement.unlimited
            ? null
            : entitlement.limitValue;
      const perResource = entitlement.scope === 'per_resource';
      if (perResource && base.scopeKey === null) {
        return {
          ...base,
          kind: 'limit',
          allowed: true,
          unlimited: limit === null,
          limit,
          used: null,
          remaining: null,
          hardLimit: limit === null ? null : withBuffer(limit, entitlement.overageBufferPercent),
          softLimitReached: false,
          overageAllowed: false,
        };
      }
      const used = await countResources({
        trx,
        accountId,
        featureKey,
        scopeKey: perResource ? base.scopeKey! : undefined,
      });
      return capped({ base, kind: 'limit', limit, used, entitlement, overageAllowed: false });
    }
    case 'metered': {
      const used = entitlement.meter
        ? await meterUsage({
            trx,
            accountId,
            meter: entitlement.meter,
            from: profile.periodStart,
            to: profile.periodEnd,
          })
        : 0;
      const limit = entitlement.unlimited ? null : entitlement.includedQuantity;
      const overageAllowed = entitlement.overageUnitAmount !== null;
      const check = capped({ base, kind: 'metered', limit, used, entitlement, overageAllowed });
      return {
        ...check,
        allowed: check.allowed || overageAllowed,
        periodStart: profile.periodStart,
        periodEnd: profile.periodEnd,
      };
    }
  }
}

function capped({
  base,
  kind,
  limit,
  used,
  entitlement,
  overageAllowed,
}: {
  base: CheckBase;
  kind: EntitlementKind;
  limit: number | null;
  used: number;
  entitlement: PlanEntitlement;
  overageAllowed: boolean;
}): EntitlementCheck {
  if (limit === null) {
    return {
      ...base,
      kind,
      allowed: true,
      unlimited: true,
      limit: null,
      used,
      remaining: null,
      softLimitReached: false,
      overageAllowed,
    };
  }
  // Only a LIMIT has a buffer (the catalog refuses one elsewhere); metered overage is priced instead.
  const hardLimit = kind === 'limit' ? withBuffer(limit, entitlement.overageBufferPercent) : limit;
  return {
    ...base,
    kind,
    allowed: used < hardLimit,
    unlimited: false,
    limit,
    hardLimit,
    overLimit: used > limit,
    withinBuffer: used > limit && used <= hardLimit && hardLimit > limit,
    used,
    remaining: Math.max(0, limit - used),
    // Integer arithmetic: used / limit >= percent / 100.
    softLimitReached: limit > 0 && used * 100 >= limit * entitlement.softLimitPercent,
    overageAllowed,
  };
}

/** The limit and its buffer, rounded down: 50 with 10% admits 55; 5 with 10% admits 5. */
export function withBuffer(limit: number, bufferPercent: number): number {
  // In BigInt: a limit may be up to 10^15, beyond exact floating-point products.
  return Number((BigInt(limit) * BigInt(100 + bufferPercent)) / 100n);
}
