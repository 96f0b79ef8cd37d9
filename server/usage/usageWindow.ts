/**
 * Usage is read from rollups, so it is resolved to the hour: a range [from, to) reads the hours from
 * from's hour up to, not including, to's hour. An hour therefore belongs to the period in which it
 * ends, each hour to exactly one of two consecutive periods, and a period's usage is final when it
 * ends. All in UTC.
 */
export type RollupGranularity = 'hour' | 'day';
export type UsageBucketSize = 'hour' | 'day' | 'month';

export interface UsageWindow {
  from: Date;
  to: Date;
}

/** Where usage with no end (lifetime plans) stops: far enough, and still a valid timestamp. */
export const END_OF_TIME = new Date('9999-12-31T00:00:00Z');

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

export function floorToHour(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / HOUR) * HOUR);
}

export function hourWindow({ from, to }: { from: Date; to: Date | null }): UsageWindow {
  return { from: floorToHour(from), to: floorToHour(to ?? END_OF_TIME) };
}

/**
 * The window whose allowance usage recorded at `at` counts against: the current period's, except in
 * the last, partial hour of a period, which already belongs to the next one.
 */
export function allowanceWindowAt({
  periodStart,
  periodEnd,
  at,
}: {
  periodStart: Date;
  periodEnd: Date | null;
  at: Date;
}): UsageWindow {
  const current = hourWindow({ from: periodStart, to: periodEnd });
  return floorToHour(at) < current.to ? current : { from: current.to, to: END_OF_TIME };
}

/**
 * Splits an hour-aligned window into the fewest rollup reads: whole days from the daily rollups and the
 * hours at either edge from the hourly ones, so a month costs about 30 + 46 rows whatever the traffic.
 */
export function rollupSegments({
  from,
  to,
}: UsageWindow): Array<{ granularity: RollupGranularity; from: Date; to: Date }> {
  if (from >= to) return [];
  const firstWholeDay = new Date(Math.ceil(from.getTime() / DAY) * DAY);
  const endOfWholeDays = new Date(Math.floor(to.getTime() / DAY) * DAY);
  if (firstWholeDay >= endOfWholeDays) return [{ granularity: 'hour', from, to }];
  return [
    ...(from < firstWholeDay ? [{ granularity: 'hour' as const, from, to: firstWholeDay }] : []),
    { granularity: 'day' as const, from: firstWholeDay, to: endOfWholeDays },
    ...(endOfWholeDays < to ? [{ granularity: 'hour' as const, from: endOfWholeDays, to }] : []),
  ];
}

/** The start of the bucket of `size` (UTC) that holds `instant`. */
export function bucketStart(instant: Date, size: UsageBucketSize): Date {
  if (size === 'hour') return floorToHour(instant);
  if (size === 'day') return new Date(Math.floor(instant.getTime() / DAY) * DAY);
  return new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), 1));
}

export function nextBucketStart(start: Date, size: UsageBucketSize): Date {
  if (size === 'hour') return new Date(start.getTime() + HOUR);
  if (size === 'day') return new Date(start.getTime() + DAY);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}
