import type { ReactNode } from 'react';
import { EmptyState } from './EmptyState';
import { NextPageLink, type PageInfo } from './Pagination';

export interface Column<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
  /** The header is read to screen readers only: a column of buttons or links needs no visible title. */
  headerHidden?: boolean;
  /** Right-aligned, with figures of equal width, so amounts line up. */
  numeric?: boolean;
  /** Left out on phone-sized screens; a cell that matters there repeats it with `show-small`. */
  hideOnPhone?: boolean;
  nowrap?: boolean;
  small?: boolean;
  /** A class for one row's cell, e.g. `positive` or `negative` for an amount's sign. */
  tone?: (row: Row) => string | undefined;
}

/**
 * A list of records as a table: a caption for screen readers, header cells with their scope, the empty
 * state instead of an empty table, and the next-page link when the list has pages. On a phone the table
 * scrolls sideways in its own box rather than widening the page.
 */
export function DataTable<Row>({
  caption,
  columns,
  rows,
  rowKey,
  empty,
  pageInfo,
  pageParam,
  pagesLabel,
  compact = false,
}: {
  caption: string;
  columns: Array<Column<Row> | false | null | undefined>;
  rows: readonly Row[];
  rowKey: (row: Row, index: number) => string;
  empty: ReactNode;
  pageInfo?: PageInfo;
  pageParam?: string;
  pagesLabel?: string;
  compact?: boolean;
}) {
  const shown = columns.filter((column): column is Column<Row> => Boolean(column));
  const pages = pageInfo ? <NextPageLink pageInfo={pageInfo} param={pageParam} label={pagesLabel} /> : null;
  if (rows.length === 0)
    return (
      <>
        <EmptyState>{empty}</EmptyState>
        {pages}
      </>
    );
  return (
    <>
      <div className="table-wrap">
        <table className={compact ? 'compact' : undefined}>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {shown.map((column) => (
                <th
                  key={column.header}
                  scope="col"
                  className={classes(column.numeric && 'number', column.hideOnPhone && 'hide-small')}
                >
                  {column.headerHidden ? (
                    <span className="visually-hidden">{column.header}</span>
                  ) : (
                    column.header
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={rowKey(row, index)}>
                {shown.map((column) => (
                  <td
                    key={column.header}
                    className={classes(
                      column.numeric && 'number',
                      column.hideOnPhone && 'hide-small',
                      column.nowrap && 'nowrap',
                      column.small && 'small',
                      column.tone?.(row),
                    )}
                  >
                    {column.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pages}
    </>
  );
}

function classes(...names: Array<string | false | undefined>): string | undefined {
  return names.filter(Boolean).join(' ') || undefined;
}
