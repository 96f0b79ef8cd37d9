import { DataTable } from '~/components/DataTable';
import type { RevenueReportFiguresFragment } from '~/graphql/generated';
import { useFormat } from '~/lib/formatContext';

/** A monthly revenue report's figures: a column per currency, a row per figure. */
export function RevenueReportTable({
  month,
  currencies,
}: {
  month: string;
  currencies: readonly RevenueReportFiguresFragment[];
}) {
  const { formatCredits, formatMoney, formatNumber } = useFormat();
  const rows: Array<[string, (figures: RevenueReportFiguresFragment) => string]> = [
    ['Collected', (figures) => formatMoney(figures.grossCollected)],
    ['Refunded', (figures) => formatMoney(figures.refunded)],
    ['Net', (figures) => formatMoney(figures.net)],
    ['MRR at month end', (figures) => formatMoney(figures.mrrAtMonthEnd)],
    ['New subscriptions', (figures) => formatNumber(figures.newSubscriptions)],
    ['Cancellations', (figures) => formatNumber(figures.cancellations)],
    ['Credits sold', (figures) => formatCredits(figures.creditsSoldMilliCredits)],
    ['Failed payments', (figures) => formatNumber(figures.failedPayments)],
    ['Failed amount', (figures) => formatMoney(figures.failedAmount)],
  ];
  return (
    <DataTable
      caption={`Revenue report for ${month}, by currency`}
      columns={[
        { header: 'Figure', cell: ([label]) => label },
        ...currencies.map((figures) => ({
          header: figures.currency.toUpperCase(),
          numeric: true,
          cell: ([, value]: (typeof rows)[number]) => value(figures),
        })),
      ]}
      rows={rows}
      rowKey={([label]) => label}
      empty="No money moved and no paid subscription was live in this month."
    />
  );
}
