import { StatusBadge } from '~/components/ui';
import { type MoneyValue } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

/**
 * An invoice's status and, while it is open, what is still owed and by when: an invoice sent with
 * payment terms (a custom contract billed by invoice) has a due date; one charged to a card has none.
 */
export function InvoiceStatus({
  invoice,
}: {
  invoice: { status: string; amountDue: MoneyValue; dueDate: string | null };
}) {
  const { formatDate, formatMoney } = useFormat();
  const owed = invoice.status === 'OPEN' && invoice.amountDue.amount > 0;
  return (
    <>
      <StatusBadge status={invoice.status} />
      {owed ? (
        <div className="small negative">
          {formatMoney(invoice.amountDue)} due{invoice.dueDate ? ` by ${formatDate(invoice.dueDate)}` : ''}
        </div>
      ) : null}
    </>
  );
}
