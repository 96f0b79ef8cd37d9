import type { LoaderFunctionArgs } from '@remix-run/node';
import { UsageSeriesDocument } from '~/graphql/generated';
import { query, requireAccount } from '~/lib/api.server';
import { parseUsageRange } from '~/lib/usageRange';

/** The usage page's daily numbers as CSV: one row per day and meter, for spreadsheets. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const { from, to, meterKeys, range } = parseUsageRange(new URL(request.url).searchParams, new Date());
  const { account } = await query(context, request, UsageSeriesDocument, {
    accountId,
    from,
    to,
    granularity: 'DAY',
    meterKeys,
  });
  const rows = [['date', 'meter', 'meter_name', 'quantity', 'unit']];
  for (const series of account.usageSeries) {
    for (const bucket of series.buckets) {
      rows.push([
        bucket.start.slice(0, 10),
        series.meter.key,
        series.meter.name,
        String(bucket.quantity),
        series.meter.unit,
      ]);
    }
  }
  const body = rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="usage-${range}-${from.slice(0, 10)}.csv"`,
      'Cache-Control': 'private, no-store',
    },
  });
}

function csvCell(value: string): string {
  // Quote when needed, and neutralise cells a spreadsheet would run as a formula.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d+$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
