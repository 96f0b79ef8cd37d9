import type { ReactNode } from 'react';
import type { PaymentRowFragment } from '~/graphql/generated';
import { formatCredits, formatDate, formatDateTime, formatMoney } from '~/lib/format';
import { paymentTypeLabel } from '~/lib/payments';
import { EmptyState, StatusBadge } from './ui';

/**
 * Money moved for an account, newest first: charges (with why one failed), refunds, and how much of a
 * charge was refunded. The admin console adds a refund form per row through `actions`.
 */
export function PaymentHistory({
  payments,
  actions,
}: {
  payments: PaymentRowFragment[];
  actions?: (payment: PaymentRowFragment) => ReactNode;
}) {
  if (payments.length === 0)
    return <EmptyState>No payments yet. They appear here when you pay for a plan or buy credits.</EmptyState>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Payments, newest first</caption>
        <thead>
          <tr>
            <th scope="col" className="hide-small">
              Date
            </th>
            <th scope="col">Payment</th>
            <th scope="col">Status</th>
            <th scope="col" className="number">
              Amount
            </th>
            {actions ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {payments.map((payment) => (
            <tr key={payment.id}>
              <td className="small hide-small">{formatDateTime(payment.createdAt)}</td>
              <td>
                {paymentTypeLabel(payment)}
                <div className="muted small show-small">{formatDate(payment.createdAt)}</div>
                {payment.description ? <div className="muted small">{payment.description}</div> : null}
                {payment.milliCredits && !payment.description ? (
                  <div className="muted small">{formatCredits(payment.milliCredits)} credits</div>
                ) : null}
                {payment.failureReason ? <div className="small negative">{payment.failureReason}</div> : null}
                {payment.invoice ? <InvoiceLink invoice={payment.invoice} /> : null}
              </td>
              <td>
                <StatusBadge status={payment.status} />
              </td>
              <td className="number nowrap">
                {payment.type === 'REFUND' ? `−${formatMoney(payment.amount)}` : formatMoney(payment.amount)}
                {payment.type !== 'REFUND' && payment.amountRefunded.amount > 0 ? (
                  <div className="small muted">{formatMoney(payment.amountRefunded)} refunded</div>
                ) : null}
              </td>
              {actions ? <td>{actions(payment)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

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
