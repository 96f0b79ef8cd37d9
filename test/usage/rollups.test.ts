import fc from 'fast-check';
import { systemActor } from '../../server/auth/actor';
import type { Meter, MeterAggregation } from '../../server/catalog/Meter';
import { ManualClock, useClock } from '../../server/clock';
import { recordUsage } from '../../server/usage/recordUsage';
import { meterUsage } from '../../server/usage/usageReads';
import { getUsageSeries } from '../../server/usage/usageSeries';
import { createAccount, createMeter } from '../factories';
import { useTestDatabase } from '../support/database';

/**
 * The rollups must say exactly what a direct aggregate over the raw events says, for every aggregation
 * and granularity, however the events arrive: out of order, in concurrent batches, repeated.
 */
const db = useTestDatabase();
const actor = systemActor('rollup test');
const HOUR = 3_600_000;
/** A fixed now, so a failure fast-check reports replays exactly from its seed, whatever the date. */
const NOW = new Date(Date.UTC(2026, 0, 15, 12, 30));
// The file's one test: twenty-five runs of up to 200 events, each read back at three granularities,
// which take minutes on a loaded two-core machine. The run count is fixed, so the work is too.
jest.setTimeout(180_000);
const meters: Meter[] = [];

beforeAll(async () => {
  for (const aggregation of ['sum', 'count', 'max', 'unique_count', 'latest'] as const) {
    meters.push(
      await createMeter({ aggregation, fieldName: aggregation === 'unique_count' ? 'user_id' : null }),
    );
  }
});

const DIRECT_AGGREGATE: Record<MeterAggregation, string> = {
  sum: 'sum(quantity)',
  count: 'count(*)',
  max: 'max(quantity)',
  unique_count: "count(distinct properties ->> 'user_id')",
  latest: '(array_agg(quantity order by occurred_at desc, quantity desc))[1]',
};

async function directAggregate({
  accountId,
  meter,
  bucket,
  from,
  to,
}: {
  accountId: string;
  meter: Meter;
  bucket: string | null;
  from: Date;
  to: Date;
}) {
  const { rows } = await db.knex.raw<{ rows: Array<{ bucket: Date | null; quantity: number }> }>(
    `select ${bucket ? `date_trunc('${bucket}', occurred_at, 'UTC')` : 'null::timestamptz'} as bucket, ${DIRECT_AGGREGATE[meter.aggregation]}::bigint as quantity
     from usage_events where account_id = ? and meter_id = ? and occurred_at >= ? and occurred_at < ? group by 1`,
    [accountId, meter.id, from, to],
  );
  return new Map(rows.map((row) => [row.bucket?.getTime() ?? null, row.quantity]));
}

const eventArbitrary = fc.record({
  meterIndex: fc.nat({ max: 4 }),
  minutesAgo: fc.integer({ min: 1, max: 34 * 24 * 60 }),
  quantity: fc.nat({ max: 50 }),
  user: fc.option(fc.constantFrom('ann', 'bob', 'cy', 'dee'), { nil: null }),
  key: fc.nat({ max: 400 }),
});

let restoreClock: () => void;
beforeAll(() => {
  restoreClock = useClock(new ManualClock(NOW));
});
afterAll(() => restoreClock());

describe('usage rollups', () => {
  it('equal a direct aggregate over the raw events, per hour, day and month and over any period', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(eventArbitrary, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 5 }),
        fc.nat({ max: 30 * 24 }),
        fc.nat({ max: 30 * 24 }),
        async (batches, startHour, lengthHours) => {
          const account = await createAccount();
          const at = NOW.getTime();
          // Concurrent batches, out of order in time, with keys repeated within and across batches.
          const results = await Promise.all(
            batches.map((batch) =>
              recordUsage({
                actor,
                events: batch.map((event) => ({
                  accountId: account.id,
                  meterKey: meters[event.meterIndex]!.key,
                  // A count meter counts events: each of its events has quantity 1.
                  quantity: meters[event.meterIndex]!.aggregation === 'count' ? 1 : event.quantity,
                  occurredAt: new Date(at - event.minutesAgo * 60_000),
                  idempotencyKey: `k${event.key}`,
                  properties: event.user ? { user_id: event.user } : {},
                })),
              }),
            ),
          );
          expect(results.every((result) => result.rejected === 0)).toBe(true);

          const from = new Date(at - 35 * 24 * HOUR);
          const to = new Date(at + HOUR);
          for (const granularity of ['hour', 'day', 'month'] as const) {
            const series = await getUsageSeries({
              actor,
              accountId: account.id,
              from,
              to,
              granularity,
              meterKeys: meters.map((meter) => meter.key),
            });
            for (const { meter, buckets } of series) {
              const expected = await directAggregate({
                accountId: account.id,
                meter,
                bucket: granularity,
                from: new Date(0),
                to: new Date(at + 24 * HOUR),
              });
              const actual = new Map(
                buckets
                  .filter((bucket) => bucket.quantity !== 0)
                  .map((bucket) => [bucket.start.getTime(), bucket.quantity]),
              );
              expect([meter.aggregation, granularity, actual]).toEqual([
                meter.aggregation,
                granularity,
                new Map([...expected].filter(([, quantity]) => quantity !== 0)),
              ]);
            }
          }

          // A period: hourly rollups at its edges, daily ones in between.
          const periodStart = new Date(Math.floor((at - 31 * 24 * HOUR) / HOUR) * HOUR + startHour * HOUR);
          const periodEnd = new Date(periodStart.getTime() + lengthHours * HOUR + HOUR);
          for (const meter of meters) {
            const expected =
              (
                await directAggregate({
                  accountId: account.id,
                  meter,
                  bucket: null,
                  from: periodStart,
                  to: periodEnd,
                })
              ).get(null) ?? 0;
            const fromUnevenBounds = await meterUsage({
              accountId: account.id,
              meter,
              from: new Date(periodStart.getTime() + 59 * 60_000),
              to: new Date(periodEnd.getTime() + 1),
            });
            expect([meter.aggregation, fromUnevenBounds]).toEqual([meter.aggregation, expected]);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
