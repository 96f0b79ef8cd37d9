import type { Knex } from 'knex';
import type { EntitlementKind, PlanEntitlement } from '../catalog/PlanEntitlement';
import type { Plan } from '../catalog/Plan';
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
  plan: Plan;
  periodStart: Date | null;
  periodEnd: Date | null;
}

export async function evaluateEntitlement({
  trx,
  accountId,
  profile,
  featureKey,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  profile: EntitlementProfile;
  featureKey: string;
}): Promise<EntitlementCheck> {
  const entitlement = profile.entitlements.find((candidate) => candidate.featureKey === featureKey);
  const base = {
    featureKey,
    plan: profile.plan,
    periodStart: null,
    periodEnd: null,
    softLimitPercent: entitlement?.softLimitPercent ?? null,
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
      const used = await countResources({ trx, accountId, featureKey });
      const limit =
        featureKey === SEATS_FEATURE && profile.seatsBought !== null
          ? profile.seatsBought
          : entitlement.unlimited
            ? null
            : entitlement.limitValue;
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
  base: Pick<EntitlementCheck, 'featureKey' | 'plan' | 'periodStart' | 'periodEnd' | 'softLimitPercent'>;
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
  return {
    ...base,
    kind,
    allowed: used < limit,
    unlimited: false,
    limit,
    used,
    remaining: Math.max(0, limit - used),
    // Integer arithmetic: used / limit >= percent / 100.
    softLimitReached: limit > 0 && used * 100 >= limit * entitlement.softLimitPercent,
    overageAllowed,
  };
}
