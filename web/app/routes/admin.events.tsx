import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { StatusFilter } from '~/components/Filters';
import { ConfirmStep, FormError, Notice, PostButton } from '~/components/forms';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import {
  ReplayStripeEventDocument,
  StripeEventsDocument,
  type StripeEventsQuery,
  type StripeEventStatus,
} from '~/graphql/generated';
import { field, mutate, query, requireAdmin } from '~/lib/api.server';
import { asksConfirmation, confirmationNeeded } from '~/lib/confirmation';
import { statusLabel } from '~/lib/format';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

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
  const confirm = confirmationNeeded(form, {
    question: `Replay ${field(form, 'id')}?`,
    consequence:
      'It is applied again as if Stripe had just sent it; applying an event twice changes nothing, but a failed one now takes effect.',
    action: 'Yes, replay it',
  });
  if (confirm) return confirm;
  const outcome = await mutate(context, request, ReplayStripeEventDocument, { id: field(form, 'id') });
  if (!outcome.ok) return outcome;
  const event = outcome.data.replayStripeEvent;
  return { ok: true as const, id: event.id, status: event.status, lastError: event.lastError };
}

export default function StripeEvents() {
  const format = useFormat();
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
      {asksConfirmation(result) ? (
        <ConfirmStep request={result.confirm} busy={Boolean(replaying)} />
      ) : result?.ok ? (
        <Notice tone={result.status === 'FAILED' ? 'error' : 'success'}>
          Replayed {result.id}: {statusLabel(result.status).toLowerCase()}
          {result.lastError ? ` — ${result.lastError}` : '.'}
        </Notice>
      ) : (
        <FormError message={result?.formError} />
      )}
      <StatusFilter
        statuses={STATUSES}
        current={search.get('status')}
        href={(status) => (status ? `?status=${status}` : '?')}
      />
      <Card>
        <DataTable
          caption="Stripe events, newest first"
          columns={[
            ...COLUMNS(format),
            {
              header: 'Actions',
              headerHidden: true,
              cell: (event) => (
                <PostButton
                  fields={{ id: event.id }}
                  className="button button-small"
                  disabled={replaying === event.id}
                >
                  Replay<span className="visually-hidden"> {event.id}</span>
                </PostButton>
              ),
            },
          ]}
          rows={events.edges.map(({ node }) => node)}
          rowKey={(event) => event.id}
          empty="No events."
          pageInfo={events.pageInfo}
        />
      </Card>
    </>
  );
}

type StripeEvent = StripeEventsQuery['stripeEvents']['edges'][number]['node'];

const COLUMNS = ({ formatDateTime }: Formatter): Array<Column<StripeEvent>> => [
  {
    header: 'Event',
    cell: (event) => (
      <>
        <strong>
          <Link to={`/admin/events/${event.id}`}>{event.type}</Link>
        </strong>
        <div className="muted small identifier">
          {event.id}
          {event.accountId ? (
            <>
              {' · '}
              <Link to={`/admin/accounts/${event.accountId}`}>account</Link>
            </>
          ) : null}
        </div>
        {event.lastError ? (
          <div className={`small ${event.status === 'FAILED' ? 'negative' : 'muted'}`}>{event.lastError}</div>
        ) : null}
      </>
    ),
  },
  {
    header: 'Status',
    cell: (event) => (
      <>
        <StatusBadge status={event.status} />
        <div className="muted small">
          {event.attempts} {event.attempts === 1 ? 'attempt' : 'attempts'}
        </div>
      </>
    ),
  },
  {
    header: 'Received',
    hideOnPhone: true,
    small: true,
    nowrap: true,
    cell: (event) => formatDateTime(event.receivedAt),
  },
];
