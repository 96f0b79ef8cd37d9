import type { MetricsGranularity } from '~/graphql/generated';

/** The ranges the revenue page offers: days for the recent past, months for trends. Each ends now. */
export const REVENUE_RANGES = {
  '30d': { label: 'Last 30 days', granularity: 'DAY', days: 30 },
  '90d': { label: 'Last 90 days', granularity: 'DAY', days: 90 },
  '12m': { label: 'Last 12 months', granularity: 'MONTH', months: 12 },
  '24m': { label: 'Last 24 months', granularity: 'MONTH', months: 24 },
} as const satisfies Record<
  string,
  { label: string; granularity: MetricsGranularity; days?: number; months?: number }
>;
export type RevenueRange = keyof typeof REVENUE_RANGES;

/**
 * The chosen range (12 months unless the query string names another) as whole UTC days or calendar
 * months up to now, so that the headline figures are today's and the last bucket is the current one.
 */
export function parseRevenueRange(search: URLSearchParams, now: Date) {
  const requested = search.get('range');
  const range: RevenueRange = requested && requested in REVENUE_RANGES ? (requested as RevenueRange) : '12m';
  const chosen: { granularity: MetricsGranularity; days?: number; months?: number } = REVENUE_RANGES[range];
  const from =
    chosen.months !== undefined
      ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (chosen.months - 1), 1))
      : new Date(
          Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - ((chosen.days ?? 30) - 1)),
        );
  return { range, granularity: chosen.granularity, from: from.toISOString(), to: now.toISOString() };
}
