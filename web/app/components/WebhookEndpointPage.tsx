import { Form, Link, useNavigation, useSearchParams } from '@remix-run/react';
import type { ReactNode } from 'react';
import { DataTable, type Column } from './DataTable';
import { StatusFilter } from './Filters';
import { CheckboxField, FormError, Notice, PostButton } from './forms';
import { Card, PageHeader, StatusBadge } from './ui';
import {
  EndpointScope,
  EndpointState,
  EndpointTextFields,
  EventTypesField,
  SigningSecret,
} from './WebhookEndpoints';
import type {
  WebhookDeliveryRowFragment,
  WebhookDeliveryStatus,
  WebhookEndpointQuery,
} from '~/graphql/generated';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

/** The log's status filter, in the order it offers them. */
export const DELIVERY_STATUSES: WebhookDeliveryStatus[] = ['PENDING', 'SUCCEEDED', 'FAILED'];

/** What an endpoint page's action answered: a refusal, or what to show after it. */
export type EndpointActionResult =
  | { ok: false; code: string; formError: string; fieldErrors: Record<string, string> }
  | {
      ok: true;
      notice: string | null;
      secret: string | null;
      previousSecretExpiresAt: string | null;
      test: WebhookDeliveryRowFragment | null;
    };

/**
 * One endpoint: its settings (edit, enable or disable, rotate the secret, delete after confirmation), a
 * test event, and its delivery log with retries and replays. `listPath` is the list it belongs to; the
 * admin console also shows whose events it hears (`scopeShown`).
 */
export function WebhookEndpointPage({
  data: { webhookEndpoint: endpoint, webhookEventTypes, webhookDeliveries },
  result,
  listPath,
  scopeShown,
  nav,
}: {
  /** The section's navigation, under the page's title. */
  nav?: ReactNode;
  data: WebhookEndpointQuery;
  result: EndpointActionResult | undefined;
  listPath: string;
  scopeShown: boolean;
}) {
  const { formatDateTime } = useFormat();
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
            <code>{endpoint.url}</code> · <Link to={listPath}>all endpoints</Link>
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
      {nav}
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
            {scopeShown ? (
              <>
                <dt>Hears of</dt>
                <dd>
                  <EndpointScope accountId={endpoint.accountId} />
                </dd>
              </>
            ) : null}
            <dt>State</dt>
            <dd>
              <EndpointState {...endpoint} />
            </dd>
            <dt>Created</dt>
            <dd>{formatDateTime(endpoint.createdAt)}</dd>
          </dl>
          <Form method="post" key={endpoint.id}>
            <input type="hidden" name="intent" value="save" />
            <EndpointTextFields
              url={endpoint.url}
              description={endpoint.description}
              fieldErrors={failure?.fieldErrors}
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
        statuses={DELIVERY_STATUSES}
        current={status}
        href={(choice) => (choice ? `?status=${choice}` : '?')}
      />
      <Card>
        <DataTable
          caption="Deliveries, newest first"
          columns={deliveryColumns(busy, formatDateTime)}
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

function deliveryColumns(
  busy: boolean,
  formatDateTime: Formatter['formatDateTime'],
): Array<Column<WebhookDeliveryRowFragment>> {
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
