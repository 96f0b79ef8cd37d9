/** The ranges the usage page offers, in whole UTC days ending today (inclusive). */
export const USAGE_RANGES = { '7d': 7, '30d': 30, '90d': 90 } as const;
export type UsageRange = keyof typeof USAGE_RANGES;

export function parseUsageRange(search: URLSearchParams, now: Date) {
  const requested = search.get('range');
  const range: UsageRange = requested && requested in USAGE_RANGES ? (requested as UsageRange) : '30d';
  const to = startOfUtcDay(now);
  to.setUTCDate(to.getUTCDate() + 1);
  const from = new Date(to);
  from.setUTCDate(from.getUTCDate() - USAGE_RANGES[range]);
  const meterKeys = search.getAll('meter').filter((key) => /^[\w.-]{1,100}$/.test(key));
  return {
    range,
    from: from.toISOString(),
    to: to.toISOString(),
    meterKeys: meterKeys.length > 0 ? meterKeys : null,
  };
}

/** The last six calendar months including this one, for the trend across periods. */
export function trendWindow(now: Date) {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 5, 1));
  return { from: from.toISOString(), to: to.toISOString() };
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}
