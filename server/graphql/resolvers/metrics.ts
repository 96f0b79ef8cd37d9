import { revenueMetrics } from '../../metrics/revenueMetrics';
import type { Resolvers } from '../generated/resolvers';

export const metricResolvers: Resolvers = {
  Query: {
    revenueMetrics: (_parent, { from, to, granularity, currency }, { actor }) =>
      revenueMetrics({
        actor,
        from,
        to,
        granularity: granularity ?? undefined,
        currency: currency ?? undefined,
      }),
  },
  MetricsGranularity: { DAY: 'day', MONTH: 'month' },
};
