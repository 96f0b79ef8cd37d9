import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DataTable } from '~/components/DataTable';
import { EmptyState } from '~/components/EmptyState';
import { FilterForm } from '~/components/Filters';
import { SelectField } from '~/components/forms';
import { MetricChart } from '~/components/MetricChart';
import { Card, PageHeader } from '~/components/ui';
import { RevenueMetricsDocument, type RevenueMetricsQuery } from '~/graphql/generated';
import { query, requireAdmin } from '~/lib/api.server';
import { currencyDigits } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { parseRevenueRange, REVENUE_RANGES } from '~/lib/revenueRange';

export const meta: MetaFunction = () => [{ title: 'Revenue — Admin' }];

type Metrics = RevenueMetricsQuery['revenueMetrics'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const { range, granularity, from, to } = parseRevenueRange(new URL(request.url).searchParams, new Date());
  const { revenueMetrics } = await query(context, request, RevenueMetricsDocument, { from, to, granularity });
  return { range, granularity, metrics: revenueMetrics };
}

/** The business at a glance: recurring revenue now, how it moved over the range, cash in and out. */
export default function Revenue() {
  const { formatDay, formatMonth, formatMoney, formatNumber } = useFormat();
  const { range, granularity, metrics } = useLoaderData<typeof loader>();
  const money = (amount: number) => formatMoney({ amount, currency: metrics.currency });
  const compactMoney = (amount: number) =>
    formatMoney({ amount, currency: metrics.currency }, { compact: true });
  const oneUnit = 10 ** currencyDigits(metrics.currency);
  const formatPeriod = (iso: string) => (granularity === 'MONTH' ? formatMonth(iso) : formatDay(iso));
  const periods = metrics.series.map((point) => ({ ...point, label: formatPeriod(point.at) }));
  // Each period's MRR is taken at its start; the line ends with today's, the headline figure.
  const mrr = [...periods.map(({ label, mrr }) => ({ label, mrr })), { label: 'Now', mrr: metrics.mrr }];
  const tiers = metrics.subscriptionsByTier.map(({ tier, count }) => ({ label: tierName(tier), count }));
  return (
    <>
      <PageHeader
        title="Revenue"
        description={`Amounts in ${metrics.currency.toUpperCase()}. Recurring figures are as of now; cash figures cover the range.`}
        actions={<Link to="/admin/reports">Monthly reports</Link>}
      />
      <FilterForm submitLabel="Show">
        <SelectField
          label="Range"
          name="range"
          id="range"
          defaultValue={range}
          options={Object.entries(REVENUE_RANGES).map(([key, { label }]) => ({ value: key, label }))}
        />
      </FilterForm>
      <Headline metrics={metrics} money={money} />
      <div className="stack">
        <Card title="Over the range">
          <h3>Monthly recurring revenue</h3>
          <MetricChart
            rows={mrr}
            kind="line"
            series={[{ key: 'mrr', name: 'MRR', color: '#4f46e5' }]}
            label="MRR at the start of each period, and now"
            formatValue={money}
            formatTick={compactMoney}
            minimumTop={oneUnit}
          />
          <h3 className="section">Collected and refunded</h3>
          <MetricChart
            rows={periods}
            kind="bar"
            series={[
              { key: 'collected', name: 'Collected', color: '#0f7b3f' },
              { key: 'refunded', name: 'Refunded', color: '#b42318' },
            ]}
            label="Money collected and refunded in each period"
            formatValue={money}
            formatTick={compactMoney}
            minimumTop={oneUnit}
          />
          <SeriesTable metrics={metrics} money={money} formatPeriod={formatPeriod} />
        </Card>
        <Card title="Active subscriptions by tier">
          {tiers.length === 0 ? (
            <EmptyState>No active subscriptions.</EmptyState>
          ) : (
            <>
              <MetricChart
                rows={tiers}
                kind="bar"
                series={[{ key: 'count', name: 'Subscriptions', color: '#4f46e5' }]}
                label="Active subscriptions per tier"
              />
              <details>
                <summary>Show the numbers</summary>
                <DataTable
                  caption="Active subscriptions per tier"
                  columns={[
                    { header: 'Tier', cell: (tier) => tier.label },
                    { header: 'Subscriptions', numeric: true, cell: (tier) => formatNumber(tier.count) },
                  ]}
                  rows={tiers}
                  rowKey={(tier) => tier.label}
                  empty="No active subscriptions."
                />
              </details>
            </>
          )}
        </Card>
      </div>
    </>
  );
}

function Headline({ metrics, money }: { metrics: Metrics; money: (amount: number) => string }) {
  const { formatBasisPoints, formatCredits, formatNumber } = useFormat();
  const figures = [
    { name: 'MRR', value: money(metrics.mrr) },
    { name: 'ARR', value: money(metrics.arr) },
    { name: 'ARPU', value: money(metrics.arpu), note: 'MRR per paying account' },
    { name: 'Paying accounts', value: formatNumber(metrics.payingAccounts) },
    {
      name: 'Churn',
      value: formatBasisPoints(metrics.churnBasisPoints),
      note: 'of paid subscriptions ended in the range',
    },
    {
      name: 'Trial conversion',
      value: metrics.trialsEnded === 0 ? '—' : formatBasisPoints(metrics.trialConversionBasisPoints),
      note: `of ${formatNumber(metrics.trialsEnded)} ${metrics.trialsEnded === 1 ? 'trial' : 'trials'} that ended`,
    },
    { name: 'Trials started', value: formatNumber(metrics.trialsStarted), note: 'in the range' },
    {
      name: 'Payment success',
      value: metrics.paymentsAttempted === 0 ? '—' : formatBasisPoints(metrics.paymentSuccessBasisPoints),
      note: `of ${formatNumber(metrics.paymentsAttempted)} ${metrics.paymentsAttempted === 1 ? 'charge' : 'charges'} tried`,
    },
    {
      name: 'Stripe webhooks applied',
      value:
        metrics.stripeEventsReceived === 0 ? '—' : formatBasisPoints(metrics.stripeEventSuccessBasisPoints),
      note: `of ${formatNumber(metrics.stripeEventsReceived)} received`,
      bad: metrics.stripeEventsReceived > 0 && metrics.stripeEventSuccessBasisPoints < 10_000,
    },
    {
      name: 'Average credit balance',
      value: formatCredits(metrics.averageCreditBalanceMilliCredits),
      note: 'credits per account, now',
    },
    {
      name: 'Failed payments',
      value: formatNumber(metrics.failedPayments.count),
      note:
        metrics.failedPayments.count > 0
          ? `${money(metrics.failedPayments.amount)} not collected`
          : 'in the range',
      bad: metrics.failedPayments.count > 0,
    },
  ];
  return (
    <dl className="stat-grid">
      {figures.map(({ name, value, note, bad }) => (
        <div key={name} className="card stat">
          <dt className="card-title">{name}</dt>
          <dd className={`big-number ${bad ? 'negative' : ''}`}>{value}</dd>
          {note ? <dd className="muted small">{note}</dd> : null}
        </div>
      ))}
    </dl>
  );
}

function SeriesTable({
  metrics,
  money,
  formatPeriod,
}: {
  metrics: Metrics;
  money: (amount: number) => string;
  formatPeriod: (iso: string) => string;
}) {
  const { formatNumber } = useFormat();
  return (
    <details>
      <summary>Show the numbers</summary>
      <DataTable
        caption="Revenue per period"
        columns={[
          { header: 'Period', nowrap: true, cell: (point) => formatPeriod(point.at) },
          { header: 'MRR', numeric: true, cell: (point) => money(point.mrr) },
          { header: 'Paying accounts', numeric: true, cell: (point) => formatNumber(point.payingAccounts) },
          { header: 'Collected', numeric: true, cell: (point) => money(point.collected) },
          { header: 'Refunded', numeric: true, cell: (point) => money(point.refunded) },
          { header: 'Failed payments', numeric: true, cell: (point) => formatNumber(point.failedPayments) },
        ]}
        rows={metrics.series}
        rowKey={(point) => point.at}
        empty="No periods in this range."
      />
    </details>
  );
}

function tierName(tier: string): string {
  return tier.charAt(0).toUpperCase() + tier.slice(1);
}
