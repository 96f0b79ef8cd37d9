import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { Meter } from '../catalog/Meter';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';
import { quantityOf, readUsage } from './usageReads';
import { hourWindow } from './usageWindow';

export interface MeterUsage {
  meter: Meter;
  periodStart: Date;
  periodEnd: Date | null;
  /** The meter's aggregate over the period (sum, count, max, distinct values or latest value). */
  quantity: number;
  /** The plan's allowance for this meter in the period; null when the plan has none. */
  included: number | null;
  unlimited: boolean;
  /** What is left of the allowance; null when there is none or it is unlimited. */
  remaining: number | null;
}

/**
 * Usage of every active meter in the account's current billing period against the plan's allowance,
 * read from rollups at hour resolution (daily rows for whole days, hourly ones at the edges), never
 * from raw events.
 */
export async function getUsageSummary({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<MeterUsage[]> {
  await authorizeAccount({ actor, accountId, permission: 'usage.read' });
  const subscription = await findCurrentSubscription({ accountId });
  if (!subscription) return [];
  const periodStart = subscription.currentPeriodStart;
  const periodEnd = subscription.currentPeriodEnd;

  const meters = await Meter.query().where('active', true).orderBy('key');
  const [entitlements, usage] = await Promise.all([
    PlanEntitlement.query().where({ planId: subscription.planId, kind: 'metered' }),
    readUsage({
      accountId,
      meters,
      window: hourWindow({ from: periodStart, to: periodEnd }),
      bucketSize: null,
    }),
  ]);
  const entitlementByMeter = new Map(entitlements.map((entitlement) => [entitlement.meterId, entitlement]));
  const usageByMeter = new Map(usage.map((row) => [row.meterId, row.aggregates]));

  return meters.map((meter) => {
    const entitlement = entitlementByMeter.get(meter.id);
    const quantity = quantityOf(meter, usageByMeter.get(meter.id));
    const included = entitlement?.unlimited ? null : (entitlement?.includedQuantity ?? null);
    return {
      meter,
      periodStart,
      periodEnd,
      quantity,
      included,
      unlimited: entitlement?.unlimited ?? false,
      remaining: included === null ? null : Math.max(included - quantity, 0),
    };
  });
}
