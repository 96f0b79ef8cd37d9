import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { Card, EmptyState, NextPageLink, PageHeader, StatusBadge } from '~/components/ui';
import { NotificationsDocument, type NotificationStatus } from '~/graphql/generated';
import { query, requireAdmin } from '~/lib/api.server';
import { formatDateTime, statusLabel } from '~/lib/format';

export const meta: MetaFunction = () => [{ title: 'Notifications — Admin' }];

const STATUSES: NotificationStatus[] = ['FAILED', 'PENDING', 'SENT', 'SKIPPED'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const search = new URL(request.url).searchParams;
  const status = search.get('status') as NotificationStatus | null;
  const requestedAccount = search.get('accountId');
  const accountId = requestedAccount && UUID.test(requestedAccount) ? requestedAccount : null;
  const { notifications } = await query(context, request, NotificationsDocument, {
    status: status && STATUSES.includes(status) ? status : null,
    accountId,
    after: search.get('after'),
  });
  return { notifications, accountId };
}

/** The outbox, newest first: what was sent, what failed and why, and each notice as it was written. */
export default function Notifications() {
  const { notifications, accountId } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  const status = search.get('status');
  return (
    <>
      <PageHeader
        title="Notifications outbox"
        description={
          accountId ? (
            <>
              For <Link to={`/admin/accounts/${accountId}`}>one account</Link> ·{' '}
              <Link to={outboxPath({ status, accountId: null })}>show all accounts</Link>
            </>
          ) : (
            'Emails queued by billing events: payment failed, trial ending, low balance, password resets.'
          )
        }
      />
      <nav className="segmented" aria-label="Filter by status" style={{ marginBottom: '1rem' }}>
        <Link to={outboxPath({ status: null, accountId })} aria-current={!status}>
          All
        </Link>
        {STATUSES.map((choice) => (
          <Link key={choice} to={outboxPath({ status: choice, accountId })} aria-current={status === choice}>
            {statusLabel(choice)}
          </Link>
        ))}
      </nav>
      <Card>
        {notifications.edges.length === 0 ? (
          <EmptyState>No notifications{status ? ' with this status' : ''}.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Notifications, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Notice</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="hide-small">
                    Queued
                  </th>
                </tr>
              </thead>
              <tbody>
                {notifications.edges.map(({ node: notification }) => (
                  <tr key={notification.id}>
                    <td>
                      <details className="notification">
                        <summary>
                          <strong>{notification.subject}</strong>
                        </summary>
                        <pre className="notification-body">{notification.bodyText}</pre>
                      </details>
                      <div className="muted small">
                        {notification.kind} · to {notification.recipient}
                        {notification.accountId && !accountId ? (
                          <>
                            {' · '}
                            <Link to={`/admin/accounts/${notification.accountId}`}>account</Link>
                          </>
                        ) : null}
                      </div>
                      {notification.lastError ? (
                        <div className={`small ${notification.status === 'FAILED' ? 'negative' : 'muted'}`}>
                          {notification.lastError}
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <StatusBadge status={notification.status} />
                      <div className="muted small">
                        {notification.attempts} {notification.attempts === 1 ? 'attempt' : 'attempts'}
                      </div>
                      {notification.sentAt ? (
                        <div className="muted small nowrap">sent {formatDateTime(notification.sentAt)}</div>
                      ) : null}
                    </td>
                    <td className="hide-small small nowrap">{formatDateTime(notification.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <NextPageLink
          endCursor={notifications.pageInfo.endCursor}
          hasNextPage={notifications.pageInfo.hasNextPage}
          search={search}
        />
      </Card>
    </>
  );
}

/** The outbox's address for a filter; a new filter starts again from the newest notice. */
function outboxPath({ status, accountId }: { status: string | null; accountId: string | null }): string {
  const search = new URLSearchParams();
  if (status) search.set('status', status);
  if (accountId) search.set('accountId', accountId);
  return `?${search.toString()}`;
}
