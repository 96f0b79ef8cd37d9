import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { DataTable, type Column } from './DataTable';

export interface ChartSeries {
  meter: { key: string; name: string; unit: string };
  buckets: Array<{ start: string; quantity: number }>;
}

const COLORS = ['#4f46e5', '#0f7b3f', '#d97706', '#b42318', '#0e7490', '#7c3aed', '#be185d', '#4b5563'];

type ChartRow = Record<string, number | string>;

/** One row per bucket with a column per meter: the shape Recharts draws. */
function pivot(series: ChartSeries[]): ChartRow[] {
  const rows = new Map<string, ChartRow>();
  for (const { meter, buckets } of series) {
    for (const bucket of buckets) {
      const row = rows.get(bucket.start) ?? { start: bucket.start };
      row[meter.key] = bucket.quantity;
      rows.set(bucket.start, row);
    }
  }
  return [...rows.values()].sort((a, b) => String(a.start).localeCompare(String(b.start)));
}

/**
 * Usage over time, one line (or bar group) per meter. The chart is drawn in the browser; the same
 * numbers are in a table next to it for screen readers and for pages without JavaScript.
 */
export function UsageChart({
  series,
  kind,
  label,
  formatTick,
}: {
  series: ChartSeries[];
  kind: 'line' | 'bar';
  label: string;
  formatTick: (iso: string) => string;
}) {
  const data = pivot(series);
  const Chart = kind === 'line' ? LineChart : BarChart;
  return (
    <div className="chart" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <Chart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e8ee" vertical={false} />
          <XAxis
            dataKey="start"
            tickFormatter={formatTick}
            tick={{ fontSize: 12, fill: '#596275' }}
            minTickGap={16}
          />
          <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: '#596275' }} />
          <Tooltip labelFormatter={(value) => formatTick(String(value))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {series.map(({ meter }, index) =>
            kind === 'line' ? (
              <Line
                key={meter.key}
                type="monotone"
                dataKey={meter.key}
                name={meter.name}
                stroke={COLORS[index % COLORS.length]}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
            ) : (
              <Bar
                key={meter.key}
                dataKey={meter.key}
                name={meter.name}
                fill={COLORS[index % COLORS.length]}
                isAnimationActive={false}
              />
            ),
          )}
        </Chart>
      </ResponsiveContainer>
    </div>
  );
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
  const rows = pivot(series).filter((row) => series.some(({ meter }) => Number(row[meter.key] ?? 0) > 0));
  return (
    <details>
      <summary>Show the numbers</summary>
      <DataTable
        caption={caption}
        columns={[
          { header: 'Period', cell: (row) => formatBucket(String(row.start)) },
          ...series.map(({ meter }): Column<ChartRow> => ({
            header: meter.name,
            numeric: true,
            cell: (row) => Number(row[meter.key] ?? 0).toLocaleString('en-US'),
          })),
        ]}
        rows={rows}
        rowKey={(row) => String(row.start)}
        empty="No usage in this range."
      />
    </details>
  );
}
