import { revenueMetrics } from '../../metrics/revenueMetrics';
import { findRevenueReport, generateRevenueReport, listRevenueReports } from '../../metrics/revenueReports';
import type { Resolvers } from '../generated/resolvers';
import { moneyFields } from '../money';

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
    revenueReports: (_parent, _args, { actor }) => listRevenueReports({ actor }),
    revenueReport: (_parent, { month }, { actor }) => findRevenueReport({ actor, month }),
  },
  Mutation: {
    generateRevenueReport: (_parent, { month }, { actor }) => generateRevenueReport({ actor, month }),
  },
  RevenueReport: {
    currencies: (report) =>
      Object.values(report.figures).sort((a, b) => a.currency.localeCompare(b.currency)),
  },
  RevenueReportCurrency: {
    ...moneyFields('grossCollected', 'refunded', 'net', 'mrrAtMonthEnd', 'failedAmount'),
    creditsSoldMilliCredits: (figures) => figures.creditsSold,
  },
  MetricsGranularity: { DAY: 'day', MONTH: 'month' },
};
