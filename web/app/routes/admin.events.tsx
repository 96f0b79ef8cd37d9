import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { FormError, Notice } from '~/components/forms';
import { Card, EmptyState, NextPageLink, PageHeader, StatusBadge } from '~/components/ui';
import { ReplayStripeEventDocument, StripeEventsDocument, type StripeEventStatus } from '~/graphql/generated';
import { field, mutate, query, requireAdmin } from '~/lib/api.server';
import { formatDateTime, statusLabel } from '~/lib/format';

export const meta: MetaFunction = () => [{ title: 'Stripe events — Admin' }];

const STATUSES: StripeEventStatus[] = ['FAILED', 'PROCESSED', 'RECEIVED', 'IGNORED'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const search = new URL(request.url).searchParams;
  const status = search.get('status') as StripeEventStatus | null;
  const { stripeEvents } = await query(context, request, StripeEventsDocument, {
    status: status && STATUSES.includes(status) ? status : null,
    after: search.get('after'),
  });
  return { events: stripeEvents };
}

export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const form = await request.formData();
  const outcome = await mutate(context, request, ReplayStripeEventDocument, { id: field(form, 'id') });
  if (!outcome.ok) return outcome;
  const event = outcome.data.replayStripeEvent;
  return { ok: true as const, id: event.id, status: event.status, lastError: event.lastError };
}

export default function StripeEvents() {
  const { events } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [search] = useSearchParams();
  const replaying = useNavigation().formData?.get('id');
  return (
    <>
      <PageHeader
        title="Stripe events"
        description="Every webhook Stripe sent, as we applied it. A failed event can be replayed once its cause is fixed."
      />
      {result?.ok ? (
        <Notice tone={result.status === 'FAILED' ? 'error' : 'success'}>
          Replayed {result.id}: {statusLabel(result.status).toLowerCase()}
          {result.lastError ? ` — ${result.lastError}` : '.'}
        </Notice>
      ) : (
        <FormError message={result?.formError} />
      )}
      <nav className="segmented" aria-label="Filter by status" style={{ marginBottom: '1rem' }}>
        <Link to="?" aria-current={!search.get('status')}>
          All
        </Link>
        {STATUSES.map((status) => (
          <Link key={status} to={`?status=${status}`} aria-current={search.get('status') === status}>
            {statusLabel(status)}
          </Link>
        ))}
      </nav>
      <Card>
        {events.edges.length === 0 ? (
          <EmptyState>No events.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="hide-small">
                    Received
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {events.edges.map(({ node: event }) => (
                  <tr key={event.id}>
                    <td>
                      <strong>{event.type}</strong>
                      <div className="muted small">
                        {event.id}
                        {event.accountId ? (
                          <>
                            {' · '}
                            <Link to={`/admin/accounts/${event.accountId}`}>account</Link>
                          </>
                        ) : null}
                      </div>
                      {event.lastError ? (
                        <div className={`small ${event.status === 'FAILED' ? 'negative' : 'muted'}`}>
                          {event.lastError}
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <StatusBadge status={event.status} />
                      <div className="muted small">
                        {event.attempts} {event.attempts === 1 ? 'attempt' : 'attempts'}
                      </div>
                    </td>
                    <td className="hide-small small nowrap">{formatDateTime(event.receivedAt)}</td>
                    <td>
                      <Form method="post">
                        <input type="hidden" name="id" value={event.id} />
                        <button
                          type="submit"
                          className="button button-small"
                          disabled={replaying === event.id}
                        >
                          Replay<span className="visually-hidden"> {event.id}</span>
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <NextPageLink
          endCursor={events.pageInfo.endCursor}
          hasNextPage={events.pageInfo.hasNextPage}
          search={search}
        />
      </Card>
    </>
  );
}
