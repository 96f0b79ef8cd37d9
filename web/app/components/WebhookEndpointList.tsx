import { Form, Link, useNavigation, useSearchParams } from '@remix-run/react';
import { DataTable } from './DataTable';
import { Field, FormError, Notice, SelectField } from './forms';
import { Card } from './ui';
import {
  EndpointScope,
  EndpointState,
  EndpointTextFields,
  EventTypesField,
  SigningSecret,
  type WebhookEventTypeOption,
} from './WebhookEndpoints';
import type { WebhookEndpointRowFragment } from '~/graphql/generated';
import { useFormat } from '~/lib/formatContext';

/** What the create form's action answered: the new endpoint with its secret, or a refusal with what was typed. */
export type CreateEndpointResult =
  | { ok: true; created: { id: string; url: string; secret: string } }
  | {
      ok: false;
      formError: string;
      fieldErrors: Record<string, string>;
      values: {
        url: string;
        description: string;
        eventTypes: string[];
        boundToAccount: boolean;
        accountId: string;
      };
    };

/**
 * A list of endpoints and the form that adds one, its secret shown once after. The admin console lists
 * every endpoint and chooses whose events a new one hears (`scopeChoice`); an account's settings list and
 * add its own.
 */
export function WebhookEndpointList({
  endpoints,
  eventTypes,
  result,
  basePath,
  scopeChoice,
}: {
  endpoints: readonly WebhookEndpointRowFragment[];
  eventTypes: readonly WebhookEventTypeOption[];
  result: CreateEndpointResult | undefined;
  basePath: string;
  scopeChoice: boolean;
}) {
  const { formatDateTime } = useFormat();
  const busy = useNavigation().state === 'submitting';
  const [search] = useSearchParams();
  const failure = result && !result.ok ? result : null;
  const created = result?.ok ? result.created : null;
  const values = failure?.values;
  return (
    <>
      {search.get('deleted') ? (
        <Notice tone="success">The endpoint and its delivery log were deleted.</Notice>
      ) : null}
      {created ? (
        <SigningSecret secret={created.secret}>
          The endpoint for <code>{created.url}</code> is ready.{' '}
          <Link to={`${basePath}/${created.id}`}>Open it</Link> to send a test event.
        </SigningSecret>
      ) : null}
      <Card title="Endpoints">
        <DataTable<WebhookEndpointRowFragment>
          caption="Webhook endpoints, oldest first"
          rows={endpoints}
          rowKey={(endpoint) => endpoint.id}
          empty="No endpoints yet."
          columns={[
            {
              header: 'URL',
              cell: (endpoint) => (
                <>
                  <Link to={`${basePath}/${endpoint.id}`}>{endpoint.url}</Link>
                  {endpoint.description ? <div className="muted small">{endpoint.description}</div> : null}
                </>
              ),
            },
            scopeChoice && {
              header: 'Hears of',
              cell: (endpoint) => <EndpointScope accountId={endpoint.accountId} />,
            },
            {
              header: 'Event types',
              small: true,
              cell: (endpoint) => (endpoint.eventTypes.length === 0 ? 'All' : endpoint.eventTypes.join(', ')),
            },
            { header: 'State', cell: (endpoint) => <EndpointState {...endpoint} /> },
            {
              header: 'Created',
              hideOnPhone: true,
              small: true,
              nowrap: true,
              cell: (endpoint) => formatDateTime(endpoint.createdAt),
            },
          ]}
        />
      </Card>
      <Card title="Add an endpoint" className="section">
        <FormError
          message={failure && Object.keys(failure.fieldErrors).length === 0 ? failure.formError : null}
        />
        <Form method="post" key={created?.id ?? 'new'}>
          <EndpointTextFields
            url={values?.url}
            description={values?.description}
            fieldErrors={failure?.fieldErrors}
          />
          {scopeChoice ? (
            <>
              <SelectField
                label="Hears of"
                name="scope"
                options={[
                  { value: 'platform', label: 'Every account (platform-wide)' },
                  { value: 'account', label: 'One account' },
                ]}
                defaultValue={values?.boundToAccount ? 'account' : 'platform'}
              />
              <Field
                label="Account"
                name="accountId"
                defaultValue={values?.accountId}
                error={failure?.fieldErrors.accountId}
                hint="For an endpoint that hears of one account: its id (from its page under Accounts) or the partner’s external id for it."
              />
            </>
          ) : null}
          <EventTypesField
            eventTypes={eventTypes}
            checked={values?.eventTypes ?? []}
            error={failure?.fieldErrors.eventTypes}
          />
          <button type="submit" className="button button-primary" disabled={busy}>
            Add endpoint
          </button>
        </Form>
      </Card>
    </>
  );
}
