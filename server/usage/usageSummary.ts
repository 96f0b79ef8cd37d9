import { Model } from 'objection';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { Meter } from '../catalog/Meter';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';

export interface MeterUsage {
  meter: Meter;
  periodStart: Date;
  periodEnd: Date | null;
  /** The meter's aggregate over the period (sum, count, max, distinct values or latest value). */
  quantity: number;
  /** The plan's allowance for this meter in the period; null when the plan has none. */
  included: number | null;
  unlimited: boolean;
}

/**
 * Usage of every active meter in the account's current billing period, read from the hourly rollups
 * (at most ~744 rows per meter for a monthly period), never from raw events.
 */
export async function getUsageSummary({ actor, accountId }: { actor: Actor; accountId: string }): Promise<MeterUsage[]> {
  await authorizeAccount({ actor, accountId, permission: 'usage.read' });
  const subscription = await findCurrentSubscription({ accountId });
  if (!subscription) return [];
  const periodStart = subscription.currentPeriodStart;
  const periodEnd = subscription.currentPeriodEnd;

  const [meters, entitlements, totals] = await Promise.all([
    Meter.query().where('active', true).orderBy('key'),
    PlanEntitlement.query().where({ planId: subscription.planId, kind: 'metered' }),
    aggregateRollups({ accountId, from: periodStart, to: periodEnd }),
  ]);
  const entitlementByMeter = new Map(entitlements.map((entitlement) => [entitlement.meterId, entitlement]));

  return meters.map((meter) => {
    const entitlement = entitlementByMeter.get(meter.id);
    return {
      meter,
      periodStart,
      periodEnd,
      quantity: totals.get(meter.id)?.[meter.aggregation] ?? 0,
      included: entitlement?.unlimited ? null : (entitlement?.includedQuantity ?? null),
      unlimited: entitlement?.unlimited ?? false,
    };
  });
}

type Aggregates = Record<Meter['aggregation'], number>;

async function aggregateRollups({ accountId, from, to }: { accountId: string; from: Date; to: Date | null }): Promise<Map<string, Aggregates>> {
  const knex = Model.knex();
  const { rows } = await knex.raw<{ rows: Array<{ meter_id: string } & Aggregates> }>(
    `
    with buckets as (
      select * from usage_rollups
      where account_id = :accountId and granularity = 'hour'
        and bucket_start >= date_trunc('hour', :from::timestamptz)
        and (:to::timestamptz is null or bucket_start < :to::timestamptz)
    )
    select b.meter_id,
           coalesce(sum(b.sum_quantity), 0)::bigint as sum,
           coalesce(sum(b.event_count), 0)::bigint as count,
           coalesce(max(b.max_quantity), 0)::bigint as max,
           coalesce((array_agg(b.latest_quantity order by b.latest_occurred_at desc nulls last))[1], 0)::bigint as latest,
           (select count(distinct d.value) from usage_rollup_distinct_values d
             where d.account_id = :accountId and d.meter_id = b.meter_id and d.granularity = 'hour'
               and d.bucket_start >= date_trunc('hour', :from::timestamptz)
               and (:to::timestamptz is null or d.bucket_start < :to::timestamptz))::bigint as unique_count
    from buckets b
    group by b.meter_id
    `,
    { accountId, from, to },
  );
  return new Map(rows.map(({ meter_id, ...aggregates }) => [meter_id, aggregates]));
}
