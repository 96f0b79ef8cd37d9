import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useFormat } from '~/lib/formatContext';
import { DataTable, type Column } from './DataTable';

export interface ChartSeries {
  meter: { key: string; name: string; unit: string };
  buckets: Array<{ start: string; quantity: number }>;
}

const COLORS = ['#4f46e5', '#0f7b3f', '#d97706', '#b42318', '#0e7490', '#7c3aed', '#be185d', '#4b5563'];

/** "API calls (calls)", "Storage (GB)": what a meter's chart is called, its unit counted in. */
export function meterTitle(meter: ChartSeries['meter']): string {
  if (!meter.unit) return meter.name;
  return `${meter.name} (${/^[A-Z]+$/.test(meter.unit) || meter.unit.endsWith('s') ? meter.unit : `${meter.unit}s`})`;
}

/**
 * Usage over time, one small chart per meter, each on its own axis, so a meter counted in thousands does
 * not flatten the others. A meter's allowance for the period, when its plan includes one, is drawn as a
 * labelled line. The charts are drawn in the browser; the same numbers are in a table under them for
 * screen readers and for pages without JavaScript.
 */
export function UsageCharts({
  series,
  kind,
  label,
  formatTick,
  allowances = {},
}: {
  series: ChartSeries[];
  kind: 'line' | 'bar';
  /** What the charts show, e.g. "per day over the last 30 days". */
  label: string;
  formatTick: (iso: string) => string;
  /** Units included per period, by meter key. */
  allowances?: Record<string, number>;
}) {
  return (
    <div className="chart-grid">
      {series.map((one, index) => (
        <MeterChart
          key={one.meter.key}
          series={one}
          kind={kind}
          label={label}
          formatTick={formatTick}
          color={COLORS[index % COLORS.length]!}
          included={allowances[one.meter.key]}
        />
      ))}
    </div>
  );
}

function MeterChart({
  series: { meter, buckets },
  kind,
  label,
  formatTick,
  color,
  included,
}: {
  series: ChartSeries;
  kind: 'line' | 'bar';
  label: string;
  formatTick: (iso: string) => string;
  color: string;
  included: number | undefined;
}) {
  const { formatNumber } = useFormat();
  const title = meterTitle(meter);
  const Chart = kind === 'line' ? LineChart : BarChart;
  const includedLabel = included === undefined ? null : `Included: ${formatNumber(included)}`;
  return (
    <figure className="meter-chart" data-meter={meter.key}>
      <figcaption>
        <strong>{title}</strong>
        {includedLabel ? <span className="muted small"> · {includedLabel} a period</span> : null}
      </figcaption>
      <div className="chart chart-small" role="img" aria-label={`${title} ${label}`}>
        <ResponsiveContainer width="100%" height="100%">
          <Chart data={buckets} margin={{ top: 16, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e3e8ee" vertical={false} />
            <XAxis
              dataKey="start"
              tickFormatter={formatTick}
              tick={{ fontSize: 12, fill: '#596275' }}
              minTickGap={16}
            />
            <YAxis
              allowDecimals={false}
              width={56}
              tick={{ fontSize: 12, fill: '#596275' }}
              tickFormatter={(value: number) => formatNumber(value, { compact: true })}
              // The allowance line stays in view even while usage is far below it.
              domain={[0, (highest: number) => Math.max(highest, included ?? 0, 1)]}
            />
            <Tooltip
              labelFormatter={(value) => formatTick(String(value))}
              formatter={(value) => [formatNumber(Number(value)), title]}
            />
            {includedLabel ? (
              <ReferenceLine
                y={included}
                stroke="#b42318"
                strokeDasharray="6 4"
                label={{ value: includedLabel, position: 'insideBottomRight', fontSize: 12, fill: '#b42318' }}
                ifOverflow="extendDomain"
              />
            ) : null}
            {kind === 'line' ? (
              <Line
                type="monotone"
                dataKey="quantity"
                name={title}
                stroke={color}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
            ) : (
              <Bar dataKey="quantity" name={title} fill={color} isAnimationActive={false} />
            )}
          </Chart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

type TableRow = Record<string, number | string>;

/** One row per bucket with a column per meter, leaving out buckets where nothing was used. */
function pivot(series: ChartSeries[]): TableRow[] {
  const rows = new Map<string, TableRow>();
  for (const { meter, buckets } of series) {
    for (const bucket of buckets) {
      const row = rows.get(bucket.start) ?? { start: bucket.start };
      row[meter.key] = bucket.quantity;
      rows.set(bucket.start, row);
    }
  }
  return [...rows.values()].sort((a, b) => String(a.start).localeCompare(String(b.start)));
}

export function UsageTable({
  series,
  formatBucket,
  caption,
}: {
  series: ChartSeries[];
  formatBucket: (iso: string) => string;
  caption: string;
}) {
  const { formatNumber } = useFormat();
  const rows = pivot(series).filter((row) => series.some(({ meter }) => Number(row[meter.key] ?? 0) > 0));
  return (
    <details>
      <summary>Show the numbers</summary>
      <DataTable
        caption={caption}
        columns={[
          { header: 'Period', cell: (row) => formatBucket(String(row.start)) },
          ...series.map(({ meter }): Column<TableRow> => ({
            header: meterTitle(meter),
            numeric: true,
            cell: (row) => formatNumber(Number(row[meter.key] ?? 0)),
          })),
        ]}
        rows={rows}
        rowKey={(row) => String(row.start)}
        empty="No usage in this range."
      />
    </details>
  );
}
