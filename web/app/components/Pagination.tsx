import { Link, useSearchParams } from '@remix-run/react';

export interface PageInfo {
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * "Next page" for keyset pagination: the cursor rides in the query string, so it works without JavaScript.
 * A page with two lists gives each its own parameter (`param`), so paging one leaves the other where it is.
 */
export function NextPageLink({
  pageInfo,
  param = 'after',
  label = 'Pages',
}: {
  pageInfo: PageInfo;
  param?: string;
  label?: string;
}) {
  const [search] = useSearchParams();
  const first = !search.get(param);
  if (!pageInfo.hasNextPage && first) return null;
  const next = new URLSearchParams(search);
  if (pageInfo.endCursor) next.set(param, pageInfo.endCursor);
  const restart = new URLSearchParams(search);
  restart.delete(param);
  return (
    <nav className="pagination" aria-label={label}>
      {!first ? <Link to={`?${restart.toString()}`}>← First page</Link> : <span />}
      {pageInfo.hasNextPage ? <Link to={`?${next.toString()}`}>Next page →</Link> : null}
    </nav>
  );
}
