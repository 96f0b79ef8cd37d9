import type { Formatter } from '~/lib/format';
import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { StatusFilter } from '~/components/Filters';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import { NotificationsDocument, type NotificationsQuery, type NotificationStatus } from '~/graphql/generated';
import { query, requireAdmin } from '~/lib/api.server';
import { useFormat } from '~/lib/formatContext';

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
  const { formatDateTime } = useFormat();
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
      <StatusFilter
        statuses={STATUSES}
        current={status}
        href={(choice) => outboxPath({ status: choice, accountId })}
      />
      <Card>
        <DataTable
          caption="Notifications, newest first"
          columns={columns({ accountShown: !accountId, formatDateTime })}
          rows={notifications.edges.map(({ node }) => node)}
          rowKey={(notification) => notification.id}
          empty={`No notifications${status ? ' with this status' : ''}.`}
          pageInfo={notifications.pageInfo}
        />
      </Card>
    </>
  );
}

type Notification = NotificationsQuery['notifications']['edges'][number]['node'];

/** The columns; the link to each notice's account is left out when the page is about one account. */
function columns({
  accountShown,
  formatDateTime,
}: {
  accountShown: boolean;
  formatDateTime: Formatter['formatDateTime'];
}): Array<Column<Notification>> {
  return [
    {
      header: 'Notice',
      cell: (notification) => (
        <>
          <details className="notification">
            <summary>
              <strong>{notification.subject}</strong>
            </summary>
            <pre className="notification-body">{notification.bodyText}</pre>
          </details>
          <div className="muted small">
            {notification.kind} · to {notification.recipient}
            {notification.accountId && accountShown ? (
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
        </>
      ),
    },
    {
      header: 'Status',
      cell: (notification) => (
        <>
          <StatusBadge status={notification.status} />
          <div className="muted small">
            {notification.attempts} {notification.attempts === 1 ? 'attempt' : 'attempts'}
          </div>
          {notification.sentAt ? (
            <div className="muted small nowrap">sent {formatDateTime(notification.sentAt)}</div>
          ) : null}
        </>
      ),
    },
    {
      header: 'Queued',
      hideOnPhone: true,
      small: true,
      nowrap: true,
      cell: (notification) => formatDateTime(notification.createdAt),
    },
  ];
}

/** The outbox's address for a filter; a new filter starts again from the newest notice. */
function outboxPath({ status, accountId }: { status: string | null; accountId: string | null }): string {
  const search = new URLSearchParams();
  if (status) search.set('status', status);
  if (accountId) search.set('accountId', accountId);
  return `?${search.toString()}`;
}
