import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useLocation } from '@remix-run/react';
import { EmptyState } from '~/components/EmptyState';
import { FilterForm } from '~/components/Filters';
import { CheckboxGroup, SelectField } from '~/components/forms';
import { UsageCharts, UsageTable } from '~/components/UsageChart';
import { Card, PageHeader } from '~/components/ui';
import { UsageAllowancesDocument, UsageSeriesDocument } from '~/graphql/generated';
import { query, requireAccount } from '~/lib/api.server';
import { useFormat } from '~/lib/formatContext';
import { parseUsageRange, trendWindow, USAGE_RANGES } from '~/lib/usageRange';

export const meta: MetaFunction = () => [{ title: 'Usage — Billing' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const now = new Date();
  const { range, from, to, meterKeys } = parseUsageRange(new URL(request.url).searchParams, now);
  const [daily, trend, allowances] = await Promise.all([
    query(context, request, UsageSeriesDocument, { accountId, from, to, granularity: 'DAY', meterKeys }),
    query(context, request, UsageSeriesDocument, {
      accountId,
      ...trendWindow(now),
      granularity: 'MONTH',
      meterKeys,
    }),
    query(context, request, UsageAllowancesDocument, { accountId }),
  ]);
  return {
    range,
    meterKeys: meterKeys ?? [],
    meters: daily.meters,
    daily: daily.account.usageSeries,
    trend: trend.account.usageSeries,
    // What the plan includes each period, for the meters that have an allowance (not unlimited, not none).
    allowances: Object.fromEntries(
      allowances.account.usageSummary.flatMap(({ meter, included }) =>
        included === null || included === undefined ? [] : [[meter.key, included]],
      ),
    ) as Record<string, number>,
  };
}

export default function Usage() {
  const { range, meterKeys, meters, daily, trend, allowances } = useLoaderData<typeof loader>();
  const { formatDay, formatMonth } = useFormat();
  const location = useLocation();
  const used = daily.filter((series) => series.buckets.some((bucket) => bucket.quantity > 0));
  const shown = meterKeys.length > 0 ? daily : used.length > 0 ? used : daily.slice(0, 4);
  const shownKeys = new Set(shown.map((series) => series.meter.key));
  const shownTrend = trend.filter((series) => shownKeys.has(series.meter.key));
  const days = USAGE_RANGES[range];
  return (
    <>
      <PageHeader
        title="Usage"
        description="What you used, per meter, per day and per month. Days and months are UTC calendar days and months."
        actions={
          <a className="button" href={`/billing/usage.csv${location.search}`} download>
            Export CSV
          </a>
        }
      />
      <FilterForm submitLabel="Show" submitOnChange>
        <SelectField
          label="Range"
          name="range"
          id="range"
          defaultValue={range}
          options={Object.entries(USAGE_RANGES).map(([key, length]) => ({
            value: key,
            label: `Last ${length} days`,
          }))}
        />
        <CheckboxGroup
          legend="Meters"
          name="meter"
          options={meters.map((meter) => ({ value: meter.key, label: meter.name }))}
          checked={(key) => (meterKeys.length > 0 ? meterKeys.includes(key) : shownKeys.has(key))}
        />
      </FilterForm>
      <div className="stack">
        <Card title={`Per day, last ${days} days`}>
          {used.length === 0 && meterKeys.length === 0 ? (
            <EmptyState>No usage recorded in this range yet.</EmptyState>
          ) : null}
          <UsageCharts
            series={shown}
            kind="line"
            label={`per day over the last ${days} days`}
            formatTick={formatDay}
          />
          <UsageTable series={shown} formatBucket={formatDay} caption="Usage per day" />
        </Card>
        <Card title="Per month, against your plan’s allowance">
          <UsageCharts
            series={shownTrend}
            kind="bar"
            label="per month over the last six months"
            formatTick={formatMonth}
            allowances={allowances}
          />
          <UsageTable series={shownTrend} formatBucket={formatMonth} caption="Usage per month" />
        </Card>
        <p className="small muted">
          What is left this period is on the <Link to="/billing">billing page</Link>.
        </p>
      </div>
    </>
  );
}
