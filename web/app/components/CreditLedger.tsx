import type { CreditLedgerEntryType, CreditLedgerRowFragment } from '~/graphql/generated';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { DataTable, type Column } from './DataTable';
import type { PageInfo } from './Pagination';

export const LEDGER_ENTRY_TYPES: Record<CreditLedgerEntryType, string> = {
  GRANT: 'Grants',
  CONSUMPTION: 'Spending',
  EXPIRY: 'Expiries',
  ADJUSTMENT: 'Adjustments',
  REFUND_CLAWBACK: 'Refund clawbacks',
};

/** An account's credit ledger, newest first: each entry signed and coloured, with the balance after it. */
export function CreditLedgerTable({
  entries,
  caption,
  empty,
  pageInfo,
}: {
  entries: CreditLedgerRowFragment[];
  caption: string;
  empty: string;
  pageInfo?: PageInfo;
}) {
  const format = useFormat();
  return (
    <DataTable
      caption={caption}
      columns={COLUMNS(format)}
      rows={entries}
      rowKey={(entry) => entry.id}
      empty={empty}
      pageInfo={pageInfo}
    />
  );
}

const COLUMNS = ({ formatCredits, formatDateTime }: Formatter): Array<Column<CreditLedgerRowFragment>> => [
  { header: 'When', small: true, cell: (entry) => formatDateTime(entry.createdAt) },
  {
    header: 'What',
    // The kind of entry under its description; alone when the entry has no description of its own.
    cell: (entry) =>
      entry.description ? (
        <>
          {entry.description}
          <div className="muted small">{LEDGER_ENTRY_TYPES[entry.type]}</div>
        </>
      ) : (
        LEDGER_ENTRY_TYPES[entry.type]
      ),
  },
  {
    header: 'Credits',
    numeric: true,
    tone: (entry) => (entry.amountMilliCredits >= 0 ? 'positive' : 'negative'),
    cell: (entry) => `${entry.amountMilliCredits >= 0 ? '+' : ''}${formatCredits(entry.amountMilliCredits)}`,
  },
  {
    header: 'Balance',
    numeric: true,
    hideOnPhone: true,
    cell: (entry) => formatCredits(entry.balanceAfterMilliCredits),
  },
];
