import { Form, Link, useSubmit } from '@remix-run/react';
import type { ReactNode } from 'react';
import { statusLabel } from '~/lib/format';

/**
 * The filters above a list: a GET form, so the choice lands in the address (it can be shared and
 * reloaded) and works without JavaScript. On a phone the fields stack.
 */
export function FilterForm({
  children,
  submitLabel,
  primary = false,
  search = false,
  inCard = true,
  submitOnChange = false,
}: {
  children: ReactNode;
  submitLabel: string;
  primary?: boolean;
  /** A search box: announced as the page's search landmark. */
  search?: boolean;
  /** False inside a card that already frames the list. */
  inCard?: boolean;
  /** Applies each change at once once JavaScript runs; the button still applies it without. */
  submitOnChange?: boolean;
}) {
  const submit = useSubmit();
  return (
    <Form
      method="get"
      className={inCard ? 'card filters' : 'filters'}
      role={search ? 'search' : undefined}
      onChange={
        submitOnChange
          ? (event) => submit(event.currentTarget, { replace: true, preventScrollReset: true })
          : undefined
      }
    >
      {children}
      <button type="submit" className={primary ? 'button button-primary' : 'button'}>
        {submitLabel}
      </button>
    </Form>
  );
}

/** One-click filters by status (all, or one), as links; the current one is marked for screen readers too. */
export function StatusFilter({
  statuses,
  current,
  href,
}: {
  statuses: readonly string[];
  current: string | null;
  href: (status: string | null) => string;
}) {
  return (
    <nav className="segmented filter-links" aria-label="Filter by status">
      {[null, ...statuses].map((status) => (
        <Link key={status ?? 'all'} to={href(status)} aria-current={status === (current || null)}>
          {status ? statusLabel(status) : 'All'}
        </Link>
      ))}
    </nav>
  );
}
