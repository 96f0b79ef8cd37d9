import type { Knex } from 'knex';
import { Model } from 'objection';
import type { Meter, MeterAggregation } from '../catalog/Meter';
import { hourWindow, rollupSegments, type UsageBucketSize, type UsageWindow } from './usageWindow';

export type UsageAggregates = Record<MeterAggregation, number>;

/**
 * Usage figures saturate at the largest integer the API carries exactly (2^53 - 1) instead of failing:
 * per-event quantities are capped (MAX_USAGE_QUANTITY), so only an absurd number of events could reach
 * it, and a read must never break an account because of what was written. A figure at this value
 * means "at least this much".
 */
export const MAX_USAGE_FIGURE = Number.MAX_SAFE_INTEGER;
const SAFE = String(MAX_USAGE_FIGURE);

export interface UsageRow {
  meterId: string;
  /** The bucket's start; null when the whole window was read as one. */
  bucket: Date | null;
  aggregates: UsageAggregates;
}

export function quantityOf(
  meter: Pick<Meter, 'aggregation'>,
  aggregates: UsageAggregates | undefined,
): number {
  return aggregates?.[meter.aggregation] ?? 0;
}

/**
 * Usage of meters over an hour-aligned window, from rollups only: daily rows for whole days, hourly
 * rows at the edges (see usageWindow.ts). Grouped into buckets of `bucketSize` (UTC), or into one
 * total per meter when it is null. The cost depends on the window's length, never on the number of
 * events; unique counts also read the distinct values behind them.
 */
export async function readUsage({
  trx,
  accountId,
  meters,
  window,
  bucketSize,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  meters: Array<Pick<Meter, 'id' | 'aggregation'>>;
  window: UsageWindow;
  bucketSize: UsageBucketSize | null;
}): Promise<UsageRow[]> {
  // Hourly buckets can only come from hourly rollups; days and months split along day boundaries.
  const segments =
    bucketSize === 'hour'
      ? [{ granularity: 'hour' as const, ...window }].filter(({ from, to }) => from < to)
      : rollupSegments(window);
  if (segments.length === 0 || meters.length === 0) return [];
  const knex = trx ?? Model.knex();
  const bucket = bucketSize ? `date_trunc(:bucketSize, r.bucket_start, 'UTC')` : 'null::timestamptz';
  const bindings = {
    accountId,
    bucketSize,
    granularities: segments.map((segment) => segment.granularity),
    starts: segments.map((segment) => segment.from.toISOString()),
    ends: segments.map((segment) => segment.to.toISOString()),
  };
  const segmentsCte = `with segments as (
    select * from unnest(:granularities::text[], :starts::timestamptz[], :ends::timestamptz[]) as s(granularity, segment_start, segment_end)
  )`;
  const uniqueMeterIds = meters
    .filter((meter) => meter.aggregation === 'unique_count')
    .map((meter) => meter.id);

  const [totals, distinctCounts] = await Promise.all([
    knex.raw<{
      rows: Array<{
        meter_id: string;
        bucket: Date | null;
        count: number;
        sum: number;
        max: number;
        latest: number;
      }>;
    }>(
      `${segmentsCte}
      select r.meter_id, ${bucket} as bucket, least(sum(r.event_count), ${SAFE})::bigint as count,
             least(sum(r.sum_quantity), ${SAFE})::bigint as sum, least(coalesce(max(r.max_quantity), 0), ${SAFE}) as max,
             least(coalesce((array_agg(r.latest_quantity order by r.latest_occurred_at desc nulls last, r.latest_quantity desc))[1], 0), ${SAFE}) as latest
      from segments s join usage_rollups r
        on r.account_id = :accountId and r.meter_id = any(:meterIds::uuid[]) and r.granularity = s.granularity
       and r.bucket_start >= s.segment_start and r.bucket_start < s.segment_end
      group by 1, 2`,
      { ...bindings, meterIds: meters.map((meter) => meter.id) },
    ),
    uniqueMeterIds.length === 0
      ? { rows: [] as Array<{ meter_id: string; bucket: Date | null; unique_count: number }> }
      : knex.raw<{ rows: Array<{ meter_id: string; bucket: Date | null; unique_count: number }> }>(
          // Distinct first, then count: Postgres hashes a DISTINCT, but sorts for count(distinct ...).
          `${segmentsCte}
          select meter_id, bucket, least(count(*), ${SAFE})::bigint as unique_count
          from (select distinct r.meter_id, ${bucket} as bucket, r.value
                from segments s join usage_rollup_distinct_values r
                  on r.account_id = :accountId and r.meter_id = any(:meterIds::uuid[]) and r.granularity = s.granularity
                 and r.bucket_start >= s.segment_start and r.bucket_start < s.segment_end) distinct_values
          group by 1, 2`,
          { ...bindings, meterIds: uniqueMeterIds },
        ),
  ]);

  const keyOf = (meterId: string, bucketStart: Date | null) => `${meterId}|${bucketStart?.getTime() ?? ''}`;
  const uniqueCounts = new Map(
    distinctCounts.rows.map((row) => [keyOf(row.meter_id, row.bucket), row.unique_count]),
  );
  return totals.rows.map((row) => ({
    meterId: row.meter_id,
    bucket: row.bucket,
    aggregates: {
      sum: row.sum,
      count: row.count,
      max: row.max,
      latest: row.latest,
      unique_count: uniqueCounts.get(keyOf(row.meter_id, row.bucket)) ?? 0,
    },
  }));
}

/**
 * The usage of one meter for an account over [from, to) at hour resolution, as the meter aggregates
 * it. For other domains (entitlement checks, overage) once they have authorized the caller.
 */
export async function meterUsage({
  trx,
  accountId,
  meter,
  from,
  to,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  meter: Pick<Meter, 'id' | 'aggregation'>;
  from: Date;
  to: Date | null;
}): Promise<number> {
  const [row] = await readUsage({
    trx,
    accountId,
    meters: [meter],
    window: hourWindow({ from, to }),
    bucketSize: null,
  });
  return quantityOf(meter, row?.aggregates);
}
