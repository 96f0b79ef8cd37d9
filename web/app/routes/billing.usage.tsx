import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useLocation } from '@remix-run/react';
import { EmptyState } from '~/components/EmptyState';
import { FilterForm } from '~/components/Filters';
import { CheckboxGroup, SelectField } from '~/components/forms';
import { UsageChart, UsageTable } from '~/components/UsageChart';
import { Card, PageHeader } from '~/components/ui';
import { UsageSeriesDocument } from '~/graphql/generated';
import { query, requireAccount } from '~/lib/api.server';
import { formatDay } from '~/lib/format';
import { parseUsageRange, trendWindow, USAGE_RANGES } from '~/lib/usageRange';

export const meta: MetaFunction = () => [{ title: 'Usage — Billing' }];

const monthFormat = new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const formatMonth = (iso: string) => monthFormat.format(new Date(iso));

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const now = new Date();
  const { range, from, to, meterKeys } = parseUsageRange(new URL(request.url).searchParams, now);
  const daily = await query(context, request, UsageSeriesDocument, {
    accountId,
    from,
    to,
    granularity: 'DAY',
    meterKeys,
  });
  const trend = await query(context, request, UsageSeriesDocument, {
    accountId,
    ...trendWindow(now),
    granularity: 'MONTH',
    meterKeys,
  });
  return {
    range,
    meterKeys: meterKeys ?? [],
    meters: daily.meters,
    daily: daily.account.usageSeries,
    trend: trend.account.usageSeries,
  };
}

export default function Usage() {
  const { range, meterKeys, meters, daily, trend } = useLoaderData<typeof loader>();
  const location = useLocation();
  const used = daily.filter((series) => series.buckets.some((bucket) => bucket.quantity > 0));
  const shown = meterKeys.length > 0 ? daily : used.length > 0 ? used : daily.slice(0, 4);
  const shownKeys = new Set(shown.map((series) => series.meter.key));
  return (
    <>
      <PageHeader
        title="Usage"
        description="What you used, per meter and per day (UTC)."
        actions={
          <a className="button" href={`/billing/usage.csv${location.search}`} download>
            Export CSV
          </a>
        }
      />
      <FilterForm submitLabel="Show">
        <SelectField
          label="Range"
          name="range"
          id="range"
          defaultValue={range}
          options={Object.entries(USAGE_RANGES).map(([key, days]) => ({
            value: key,
            label: `Last ${days} days`,
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
        <Card title={`Per day, last ${USAGE_RANGES[range]} days`}>
          {used.length === 0 && meterKeys.length === 0 ? (
            <EmptyState>No usage recorded in this range yet.</EmptyState>
          ) : null}
          <UsageChart
            series={shown}
            kind="line"
            label={`Usage per day over the last ${USAGE_RANGES[range]} days`}
            formatTick={formatDay}
          />
          <UsageTable series={shown} formatBucket={formatDay} caption="Usage per day" />
        </Card>
        <Card title="Trend across months">
          <UsageChart
            series={trend.filter((series) => shownKeys.has(series.meter.key))}
            kind="bar"
            label="Usage per month over the last six months"
            formatTick={formatMonth}
          />
          <UsageTable
            series={trend.filter((series) => shownKeys.has(series.meter.key))}
            formatBucket={formatMonth}
            caption="Usage per month"
          />
        </Card>
        <p className="small muted">
          Allowances and what is left this period are on the <Link to="/billing">billing page</Link>.
        </p>
      </div>
    </>
  );
}
