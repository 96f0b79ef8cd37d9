import { Link } from '@remix-run/react';
import type { ReconciliationReportDetailsFragment } from '~/graphql/generated';
import { useFormat } from '~/lib/formatContext';
import { DataTable, type Column } from './DataTable';
import { EmptyState } from './EmptyState';

/**
 * The latest check of the books: balanced, or each difference with what was expected and what was
 * found. A difference is for a person to understand; the check never changes anything.
 */
export function ReconciliationReport({ report }: { report: ReconciliationReportDetailsFragment | null }) {
  const { formatDateTime, formatNumber } = useFormat();
  if (!report)
    return (
      <EmptyState>
        The books have not been checked yet. The check runs daily; run it now to see where they stand.
      </EmptyState>
    );
  return (
    <>
      <p className="plan-name">
        <span className={`badge ${report.balanced ? 'badge-good' : 'badge-bad'}`}>
          {report.balanced
            ? 'Balanced'
            : `${report.differences.length} ${report.differences.length === 1 ? 'difference' : 'differences'}`}
        </span>
      </p>
      <p className="muted small">
        Checked {formatDateTime(report.finishedAt)}: {formatNumber(report.accountsChecked)}{' '}
        {report.accountsChecked === 1 ? 'account' : 'accounts'},{' '}
        {formatNumber(report.paymentsComparedWithStripe)} recent{' '}
        {report.paymentsComparedWithStripe === 1 ? 'payment' : 'payments'} compared with Stripe.
      </p>
      {report.differences.length > 0 ? (
        <DataTable
          caption="Differences found"
          columns={COLUMNS}
          rows={report.differences}
          rowKey={(_difference, index) => String(index)}
          empty="No differences."
        />
      ) : null}
    </>
  );
}

const COLUMNS: Array<Column<ReconciliationReportDetailsFragment['differences'][number]>> = [
  { header: 'Check', cell: (difference) => difference.check },
  {
    header: 'Subject',
    cell: (difference) => (
      <>
        {difference.subject}
        {difference.accountId ? (
          <div className="small">
            <Link to={`/admin/accounts/${difference.accountId}`}>account</Link>
          </div>
        ) : null}
      </>
    ),
  },
  { header: 'Expected', numeric: true, cell: (difference) => difference.expected },
  { header: 'Found', numeric: true, tone: () => 'negative', cell: (difference) => difference.actual },
];
