import { useFormat } from '~/lib/formatContext';
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

export interface MetricSeries {
  key: string;
  name: string;
  color: string;
}

/**
 * A chart of a few named figures per row (per period, or per tier), each row named by its `label`, drawn
 * in the browser. The page puts the same numbers in a table for screen readers and pages without
 * JavaScript. The axis runs from 0 to a round number at or above the highest value and `minimumTop`
 * (so that a range of zeros still has a readable axis).
 */
export function MetricChart({
  rows,
  series,
  kind,
  label,
  formatValue: formatValueGiven,
  formatTick: formatTickGiven,
  minimumTop = 1,
}: {
  rows: Array<{ label: string } & Record<string, string | number>>;
  series: MetricSeries[];
  kind: 'line' | 'bar';
  label: string;
  /** A value in full, as the tooltip shows it; `formatTick` may shorten it for the axis. */
  formatValue?: (value: number) => string;
  formatTick?: (value: number) => string;
  minimumTop?: number;
}) {
  const { formatNumber } = useFormat();
  const formatValue = formatValueGiven ?? ((value: number) => formatNumber(value));
  const formatTick = formatTickGiven ?? formatValue;
  const Chart = kind === 'line' ? LineChart : BarChart;
  const ticks = axisTicks(
    Math.max(minimumTop, ...rows.flatMap((row) => series.map(({ key }) => Number(row[key] ?? 0)))),
  );
  return (
    <div className="chart" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <Chart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e8ee" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 12, fill: '#596275' }} minTickGap={16} />
          <YAxis
            domain={[0, ticks[ticks.length - 1]!]}
            ticks={ticks}
            tickFormatter={(value) => formatTick(Number(value))}
            tick={{ fontSize: 12, fill: '#596275' }}
            width={56}
          />
          <Tooltip formatter={(value) => formatValue(Number(value))} />
          {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
          {series.map(({ key, name, color }) =>
            kind === 'line' ? (
              <Line
                key={key}
                type="linear"
                dataKey={key}
                name={name}
                stroke={color}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
            ) : (
              <Bar
                key={key}
                dataKey={key}
                name={name}
                fill={color}
                maxBarSize={48}
                isAnimationActive={false}
              />
            ),
          )}
        </Chart>
      </ResponsiveContainer>
    </div>
  );
}

/**
 * At most five round steps (1, 2, 2.5 or 5 times a power of ten) from 0 to at least `highest`. A step is
 * a whole number, since what is plotted is whole (minor units, counts).
 */
function axisTicks(highest: number): number[] {
  const rough = Math.max(highest / 5, 1);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10]
    .map((multiple) => multiple * magnitude)
    .find((candidate) => candidate >= rough && Number.isInteger(candidate))!;
  return Array.from({ length: Math.max(1, Math.ceil(highest / step)) + 1 }, (_, index) => index * step);
}
