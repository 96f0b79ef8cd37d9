import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { StatusFilter } from '~/components/Filters';
import { CheckboxField, Field, FormError, Notice, PostButton } from '~/components/forms';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import { EndpointScope, EndpointState, EventTypesField, SigningSecret } from '~/components/WebhookEndpoints';
import {
  AdminWebhookEndpointDocument,
  DeleteWebhookEndpointDocument,
  ReplayWebhookEventDocument,
  RetryWebhookDeliveryDocument,
  RotateWebhookEndpointSecretDocument,
  SendTestWebhookDocument,
  UpdateWebhookEndpointDocument,
  type WebhookDeliveryRowFragment,
  type WebhookDeliveryStatus,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAdmin } from '~/lib/api.server';
import { formatDateTime } from '~/lib/format';
import { safeRedirect } from '~/lib/redirects.server';
import { endpointFields } from '~/lib/webhookEndpoints.server';

export const meta: MetaFunction = () => [{ title: 'Webhook endpoint — Admin' }];

const STATUSES: WebhookDeliveryStatus[] = ['PENDING', 'SUCCEEDED', 'FAILED'];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const search = new URL(request.url).searchParams;
  const status = search.get('status') as WebhookDeliveryStatus | null;
  return query(context, request, AdminWebhookEndpointDocument, {
    id: params.id!,
    status: status && STATUSES.includes(status) ? status : null,
    after: search.get('after'),
  });
}

/** Every button on the page posts here with its intent; a new secret is in this answer only. */
export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const id = params.id!;
  const form = await request.formData();
  switch (field(form, 'intent')) {
    case 'save': {
      const input = { ...endpointFields(form), enabled: form.has('enabled') };
      const outcome = await mutate(context, request, UpdateWebhookEndpointDocument, { id, input });
      return outcome.ok ? succeeded({ notice: 'The endpoint was saved.' }) : outcome;
    }
    case 'enable':
    case 'disable': {
      const enabled = field(form, 'intent') === 'enable';
      const outcome = await mutate(context, request, UpdateWebhookEndpointDocument, {
        id,
        input: { enabled },
      });
      if (!outcome.ok) return outcome;
      return succeeded({
        notice: enabled
          ? 'The endpoint is enabled: deliveries that waited go out now.'
          : 'The endpoint is disabled: new events are not queued for it.',
      });
    }
    case 'rotate': {
      const outcome = await mutate(context, request, RotateWebhookEndpointSecretDocument, { id });
      if (!outcome.ok) return outcome;
      const { secret, endpoint } = outcome.data.rotateWebhookEndpointSecret;
      return succeeded({ secret, previousSecretExpiresAt: endpoint.previousSecretExpiresAt });
    }
    case 'test': {
      const outcome = await mutate(context, request, SendTestWebhookDocument, { endpointId: id });
      if (!outcome.ok) return outcome;
      return succeeded({ test: outcome.data.sendTestWebhook });
    }
    case 'retry': {
      const outcome = await mutate(context, request, RetryWebhookDeliveryDocument, {
        id: field(form, 'deliveryId'),
      });
      return outcome.ok ? succeeded({ notice: 'The delivery will be sent again shortly.' }) : outcome;
    }
    case 'replay': {
      const outcome = await mutate(context, request, ReplayWebhookEventDocument, {
        eventId: field(form, 'eventId'),
        endpointId: id,
      });
      return outcome.ok
        ? succeeded({ notice: 'The event will be delivered again shortly, with the same webhook-id.' })
        : outcome;
    }
    case 'delete': {
      const outcome = await mutate(context, request, DeleteWebhookEndpointDocument, { id });
      return outcome.ok ? safeRedirect('/admin/webhooks?deleted=1') : outcome;
    }
    default:
      return invalid({}, 'Unknown action.');
  }
}

/** What a successful action shows: a notice, a new secret, or the test delivery's outcome. */
function succeeded(shown: {
  notice?: string;
  secret?: string;
  previousSecretExpiresAt?: string | null;
  test?: WebhookDeliveryRowFragment;
}) {
  return {
    ok: true as const,
    notice: null,
    secret: null,
    previousSecretExpiresAt: null,
    test: null,
    ...shown,
  };
}

export default function WebhookEndpoint() {
  const { webhookEndpoint: endpoint, webhookEventTypes, webhookDeliveries } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const [search] = useSearchParams();
  const status = search.get('status');
  const failure = result && !result.ok ? result : null;
  const done = result?.ok ? result : null;
  const confirmingDelete = search.get('delete') === 'confirm';
  return (
    <>
      <PageHeader
        title="Webhook endpoint"
        description={
          <>
            <code>{endpoint.url}</code> · <Link to="/admin/webhooks">all endpoints</Link>
          </>
        }
        actions={
          <>
            <PostButton fields={{ intent: 'test' }} className="button button-primary" disabled={busy}>
              Send test event
            </PostButton>
            <PostButton fields={{ intent: endpoint.enabled ? 'disable' : 'enable' }} disabled={busy}>
              {endpoint.enabled ? 'Disable' : 'Enable'}
            </PostButton>
            <PostButton fields={{ intent: 'rotate' }} disabled={busy}>
              Rotate secret
            </PostButton>
          </>
        }
      />
      {done?.secret ? (
        <SigningSecret secret={done.secret}>
          The secret was rotated.
          {done.previousSecretExpiresAt
            ? ` The previous one keeps signing (beside the new one) until ${formatDateTime(done.previousSecretExpiresAt)}, so receivers can switch without losing a message.`
            : null}
        </SigningSecret>
      ) : null}
      {done?.notice ? <Notice tone="success">{done.notice}</Notice> : null}
      {done?.test ? <TestOutcome delivery={done.test} /> : null}
      <FormError
        message={failure && Object.keys(failure.fieldErrors).length === 0 ? failure.formError : null}
      />

      <div className="grid-2">
        <Card title="Settings">
          <dl className="facts">
            <dt>Hears of</dt>
            <dd>
              <EndpointScope accountId={endpoint.accountId} />
            </dd>
            <dt>State</dt>
            <dd>
              <EndpointState {...endpoint} />
            </dd>
            <dt>Created</dt>
            <dd>{formatDateTime(endpoint.createdAt)}</dd>
          </dl>
          <Form method="post" key={endpoint.id}>
            <input type="hidden" name="intent" value="save" />
            <Field
              label="URL"
              name="url"
              type="url"
              required
              maxLength={2048}
              defaultValue={endpoint.url}
              error={failure?.fieldErrors.url}
            />
            <Field
              label="Description"
              name="description"
              maxLength={500}
              defaultValue={endpoint.description}
              error={failure?.fieldErrors.description}
            />
            <EventTypesField
              eventTypes={webhookEventTypes}
              checked={endpoint.eventTypes}
              error={failure?.fieldErrors.eventTypes}
            />
            <CheckboxField
              label="Enabled: deliveries go out"
              name="enabled"
              defaultChecked={endpoint.enabled}
              error={failure?.fieldErrors.enabled}
            />
            <button type="submit" className="button button-primary" disabled={busy}>
              Save changes
            </button>
          </Form>
        </Card>
        <Card title="Delete">
          {confirmingDelete ? (
            <>
              <Notice tone="warning">
                Delete <code>{endpoint.url}</code> and its whole delivery log? Events still waiting for it are
                dropped. This cannot be undone.
              </Notice>
              <div className="page-actions">
                <PostButton fields={{ intent: 'delete' }} className="button button-danger" disabled={busy}>
                  Delete endpoint
                </PostButton>
                <Link to="?" className="button">
                  Keep it
                </Link>
              </div>
            </>
          ) : (
            <>
              <p className="muted">Deleting the endpoint also deletes its delivery log.</p>
              <Link to="?delete=confirm" className="button button-danger">
                Delete endpoint…
              </Link>
            </>
          )}
        </Card>
      </div>

      <h2 className="section-heading">Delivery log</h2>
      <StatusFilter
        statuses={STATUSES}
        current={status}
        href={(choice) => (choice ? `?status=${choice}` : '?')}
      />
      <Card>
        <DataTable
          caption="Deliveries, newest first"
          columns={deliveryColumns(busy)}
          rows={webhookDeliveries.edges.map(({ node }) => node)}
          rowKey={(delivery) => delivery.id}
          empty={`No deliveries${status ? ' with this status' : ''} yet.`}
          pageInfo={webhookDeliveries.pageInfo}
        />
      </Card>
    </>
  );
}

/** What the test event got: the receiver's answer, or why there was none. */
function TestOutcome({ delivery }: { delivery: WebhookDeliveryRowFragment }) {
  const attempt = delivery.attempts.at(-1);
  const answer = attempt ? tryLabel(attempt) : 'not tried';
  return delivery.status === 'SUCCEEDED' ? (
    <Notice tone="success">{`The test event was delivered: ${answer}.`}</Notice>
  ) : (
    <Notice tone="warning">{`The test event was not accepted (${answer}); it will be retried.`}</Notice>
  );
}

type Attempt = WebhookDeliveryRowFragment['attempts'][number];

function tryLabel(attempt: Attempt): string {
  const answer = attempt.statusCode === null ? 'no answer' : `HTTP ${attempt.statusCode}`;
  return `${answer} in ${attempt.latencyMs} ms`;
}

function deliveryColumns(busy: boolean): Array<Column<WebhookDeliveryRowFragment>> {
  return [
    {
      header: 'Event',
      cell: (delivery) => (
        <>
          <strong>{delivery.event.type}</strong>
          <div className="muted small">
            <code>{delivery.event.id}</code>
          </div>
          <div className="muted small nowrap">{formatDateTime(delivery.event.createdAt)}</div>
        </>
      ),
    },
    {
      header: 'Status',
      cell: (delivery) => (
        <>
          <StatusBadge status={delivery.status} />
          <div className="muted small">
            {delivery.attemptCount} {delivery.attemptCount === 1 ? 'try' : 'tries'}
          </div>
          {delivery.status === 'PENDING' ? (
            <div className="muted small nowrap">next try {formatDateTime(delivery.nextAttemptAt)}</div>
          ) : null}
        </>
      ),
    },
    {
      header: 'Tries',
      small: true,
      cell: (delivery) =>
        delivery.attempts.length === 0 ? (
          <span className="muted">Not tried yet</span>
        ) : (
          <ol className="attempts">
            {delivery.attempts.map((attempt) => (
              <li key={attempt.attemptedAt}>
                <span className="nowrap">{formatDateTime(attempt.attemptedAt)}</span> · {tryLabel(attempt)}
                {attempt.error ? <div className="negative">{attempt.error}</div> : null}
                {attempt.responseExcerpt ? (
                  <details>
                    <summary>Response</summary>
                    <pre className="notification-body">{attempt.responseExcerpt}</pre>
                  </details>
                ) : null}
              </li>
            ))}
          </ol>
        ),
    },
    {
      header: 'Actions',
      headerHidden: true,
      cell: (delivery) => (
        <div className="page-actions">
          <PostButton
            fields={{ intent: 'retry', deliveryId: delivery.id }}
            className="button button-small"
            disabled={busy}
          >
            Retry
            <span className="visually-hidden">
              {' '}
              delivery of {delivery.event.type} {delivery.event.id}
            </span>
          </PostButton>
          <PostButton
            fields={{ intent: 'replay', eventId: delivery.event.id }}
            className="button button-small"
            disabled={busy}
          >
            Replay event<span className="visually-hidden"> {delivery.event.id}</span>
          </PostButton>
        </div>
      ),
    },
  ];
}
