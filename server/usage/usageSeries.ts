import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { Meter } from '../catalog/Meter';
import { ValidationError } from '../errors';
import { parseInput } from '../validation';
import { quantityOf, readUsage } from './usageReads';
import { bucketStart, nextBucketStart, type UsageBucketSize } from './usageWindow';

const MAX_BUCKETS = 1000;

const usageSeriesInput = z
  .object({
    from: z.date(),
    to: z.date(),
    granularity: z.enum(['hour', 'day', 'month']),
    meterKeys: z.array(z.string()).max(50, 'names at most 50 meters').nullish(),
  })
  .refine((input) => input.from < input.to, { path: ['to'], message: 'must be after from' });

export interface UsageSeries {
  meter: Meter;
  granularity: UsageBucketSize;
  buckets: Array<{ start: Date; quantity: number }>;
}

/**
 * Usage of meters (all active ones unless named) in every whole bucket (hour, day or UTC calendar
 * month) that overlaps [from, to), empty buckets included, for charts. Read from rollups only.
 */
export async function getUsageSeries({
  actor,
  accountId,
  ...input
}: { actor: Actor; accountId: string } & z.input<typeof usageSeriesInput>): Promise<UsageSeries[]> {
  const { from, to, granularity, meterKeys } = parseInput(usageSeriesInput, input);
  const starts = bucketStartsOverlapping({ from, to, size: granularity });
  await authorizeAccount({ actor, accountId, permission: 'usage.read' });
  const meters = await findMeters(meterKeys);

  const window = { from: starts[0]!, to: nextBucketStart(starts.at(-1)!, granularity) };
  const rows = await readUsage({ accountId, meters, window, bucketSize: granularity });
  const usage = new Map(rows.map((row) => [`${row.meterId}|${row.bucket?.getTime()}`, row.aggregates]));
  return meters.map((meter) => ({
    meter,
    granularity,
    buckets: starts.map((start) => ({
      start,
      quantity: quantityOf(meter, usage.get(`${meter.id}|${start.getTime()}`)),
    })),
  }));
}

function bucketStartsOverlapping({
  from,
  to,
  size,
}: {
  from: Date;
  to: Date;
  size: UsageBucketSize;
}): Date[] {
  const starts: Date[] = [];
  for (let start = bucketStart(from, size); start < to; start = nextBucketStart(start, size)) {
    if (starts.length === MAX_BUCKETS)
      throw ValidationError.forField(
        'to',
        `the range holds more than ${MAX_BUCKETS} buckets; use a coarser granularity`,
      );
    starts.push(start);
  }
  return starts;
}

async function findMeters(keys: string[] | null | undefined): Promise<Meter[]> {
  if (!keys) return Meter.query().where('active', true).orderBy('key');
  const meters = await Meter.query().whereIn('key', keys).orderBy('key');
  const unknown = keys.filter((key) => !meters.some((meter) => meter.key === key));
  if (unknown.length > 0)
    throw ValidationError.forField(
      'meterKeys',
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a meter' : 'are not meters'}`,
    );
  return meters;
}
