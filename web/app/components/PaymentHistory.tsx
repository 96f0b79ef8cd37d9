import type { ReactNode } from 'react';
import type { PaymentRowFragment } from '~/graphql/generated';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { paymentTypeLabel } from '~/lib/payments';
import { DataTable, type Column } from './DataTable';
import type { PageInfo } from './Pagination';
import { StatusBadge } from './ui';

/**
 * Money moved for an account, newest first: charges (with why one failed), refunds, and how much of a
 * charge was refunded. The admin console adds a refund form per row through `actions`.
 */
export function PaymentHistory({
  payments,
  actions,
  pageInfo,
  pageParam,
  pagesLabel,
}: {
  payments: PaymentRowFragment[];
  actions?: (payment: PaymentRowFragment) => ReactNode;
  pageInfo?: PageInfo;
  pageParam?: string;
  pagesLabel?: string;
}) {
  const format = useFormat();
  return (
    <DataTable
      caption="Payments, newest first"
      columns={[...COLUMNS(format), actions && { header: 'Actions', headerHidden: true, cell: actions }]}
      rows={payments}
      rowKey={(payment) => payment.id}
      empty="No payments yet. They appear here when you pay for a plan or buy credits."
      pageInfo={pageInfo}
      pageParam={pageParam}
      pagesLabel={pagesLabel}
    />
  );
}

const COLUMNS = ({
  formatMoney,
  formatCredits,
  formatDate,
  formatDateTime,
}: Formatter): Array<Column<PaymentRowFragment>> => [
  { header: 'Date', hideOnPhone: true, small: true, cell: (payment) => formatDateTime(payment.createdAt) },
  {
    header: 'Payment',
    cell: (payment) => (
      <>
        {paymentTypeLabel(payment)}
        <div className="muted small show-small">{formatDate(payment.createdAt)}</div>
        {payment.description ? <div className="muted small">{payment.description}</div> : null}
        {payment.milliCredits && !payment.description ? (
          <div className="muted small">{formatCredits(payment.milliCredits)} credits</div>
        ) : null}
        {payment.failureReason ? <div className="small negative">{payment.failureReason}</div> : null}
        {payment.invoice ? <InvoiceLink invoice={payment.invoice} /> : null}
      </>
    ),
  },
  { header: 'Status', cell: (payment) => <StatusBadge status={payment.status} /> },
  {
    header: 'Amount',
    numeric: true,
    nowrap: true,
    cell: (payment) => (
      <>
        {payment.type === 'REFUND' ? `−${formatMoney(payment.amount)}` : formatMoney(payment.amount)}
        {payment.type !== 'REFUND' && payment.amountRefunded.amount > 0 ? (
          <div className="small muted">{formatMoney(payment.amountRefunded)} refunded</div>
        ) : null}
      </>
    ),
  },
];

function InvoiceLink({ invoice }: { invoice: NonNullable<PaymentRowFragment['invoice']> }) {
  const name = `Invoice ${invoice.number ?? ''}`.trim();
  return (
    <div className="small">
      {invoice.hostedInvoiceUrl ? (
        <a href={invoice.hostedInvoiceUrl} target="_blank" rel="noreferrer">
          {name}
        </a>
      ) : (
        name
      )}
    </div>
  );
}
