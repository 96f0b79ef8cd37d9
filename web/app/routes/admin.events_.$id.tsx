import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import type { ReactNode } from 'react';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import { AdminStripeEventDocument } from '~/graphql/generated';
import { query, requireAdmin } from '~/lib/api.server';
import { useFormat } from '~/lib/formatContext';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.event.type ?? 'Stripe event'} — Admin` },
];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const id = params.id ?? '';
  // Only Stripe's event ids reach the API; anything else was never received.
  if (!/^evt_[A-Za-z0-9_]{1,250}$/.test(id)) throw new Response('Not found', { status: 404 });
  const { stripeEvent } = await query(context, request, AdminStripeEventDocument, { id });
  if (!stripeEvent) throw new Response('Not found', { status: 404 });
  return { event: stripeEvent };
}

/** One Stripe event as we received and applied it, with its payload as Stripe sent it. */
export default function StripeEventPage() {
  const format = useFormat();
  const { formatDateTime } = format;
  const { event } = useLoaderData<typeof loader>();
  const facts: Array<[string, ReactNode]> = [
    ['Stripe id', <span className="identifier">{event.id}</span>],
    ['Status', <StatusBadge status={event.status} />],
    ['Attempts', String(event.attempts)],
    ['Created by Stripe', formatDateTime(event.createdAt)],
    ['Received', formatDateTime(event.receivedAt)],
    ['Processed', event.processedAt ? formatDateTime(event.processedAt) : 'Not yet'],
    [
      'Account',
      event.accountId ? <Link to={`/admin/accounts/${event.accountId}`}>Open the account</Link> : 'None',
    ],
  ];
  if (event.lastError) facts.push([event.status === 'IGNORED' ? 'Why ignored' : 'Error', event.lastError]);
  return (
    <>
      <p className="small">
        <Link to="/admin/events">← Stripe events</Link>
      </p>
      <PageHeader title={event.type} description="A Stripe event as we received and applied it." />
      <Card>
        <dl className="facts">
          {facts.map(([term, detail]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{detail}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <Card title="Payload">
        <pre className="payload" tabIndex={0} aria-label="The event's payload, as JSON">
          {event.payloadJson}
        </pre>
      </Card>
    </>
  );
}
