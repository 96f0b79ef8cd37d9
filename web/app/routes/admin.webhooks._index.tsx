import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { DataTable } from '~/components/DataTable';
import { Field, FormError, Notice, SelectField } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import { EndpointScope, EndpointState, EventTypesField, SigningSecret } from '~/components/WebhookEndpoints';
import {
  AdminWebhookEndpointsDocument,
  CreateWebhookEndpointDocument,
  type WebhookEndpointRowFragment,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAdmin } from '~/lib/api.server';
import { formatDateTime } from '~/lib/format';
import { endpointFields } from '~/lib/webhookEndpoints.server';

export const meta: MetaFunction = () => [{ title: 'Partner webhooks — Admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return query(context, request, AdminWebhookEndpointsDocument, {});
}

/**
 * Creates an endpoint. The secret is in this answer only (never in a redirect's address or the page's
 * data), so reloading the page does not show it again.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const form = await request.formData();
  const fields = endpointFields(form);
  const boundToAccount = field(form, 'scope') === 'account';
  const accountId = field(form, 'accountId');
  const values = { ...fields, boundToAccount, accountId };
  if (boundToAccount && !accountId)
    return { ...invalid({ accountId: 'Enter the id of the account whose events it hears.' }), values };
  const outcome = await mutate(context, request, CreateWebhookEndpointDocument, {
    input: { ...fields, accountId: boundToAccount ? accountId : null },
  });
  if (!outcome.ok)
    return {
      ...outcome,
      fieldErrors:
        outcome.code === 'NOT_FOUND' ? { accountId: 'No account has this id.' } : outcome.fieldErrors,
      values,
    };
  const { secret, endpoint } = outcome.data.createWebhookEndpoint;
  return { ok: true as const, created: { ...endpoint, secret } };
}

export default function WebhookEndpoints() {
  const { webhookEndpoints, webhookEventTypes } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [search] = useSearchParams();
  const failure = result && !result.ok ? result : null;
  const created = result?.ok ? result.created : null;
  const values = failure?.values;
  return (
    <>
      <PageHeader
        title="Partner webhooks"
        description="Where partners receive events, signed per Standard Webhooks: every account’s events (platform-wide) or one account’s."
      />
      {search.get('deleted') ? (
        <Notice tone="success">The endpoint and its delivery log were deleted.</Notice>
      ) : null}
      {created ? (
        <SigningSecret secret={created.secret}>
          The endpoint for <code>{created.url}</code> is ready.{' '}
          <Link to={`/admin/webhooks/${created.id}`}>Open it</Link> to send a test event.
        </SigningSecret>
      ) : null}
      <Card title="Endpoints">
        <DataTable<WebhookEndpointRowFragment>
          caption="Partner webhook endpoints, oldest first"
          rows={webhookEndpoints}
          rowKey={(endpoint) => endpoint.id}
          empty="No endpoints yet: partners hear of nothing."
          columns={[
            {
              header: 'URL',
              cell: (endpoint) => (
                <>
                  <Link to={`/admin/webhooks/${endpoint.id}`}>{endpoint.url}</Link>
                  {endpoint.description ? <div className="muted small">{endpoint.description}</div> : null}
                </>
              ),
            },
            { header: 'Hears of', cell: (endpoint) => <EndpointScope accountId={endpoint.accountId} /> },
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
          <Field
            label="URL"
            name="url"
            type="url"
            required
            maxLength={2048}
            defaultValue={values?.url}
            error={failure?.fieldErrors.url}
            hint="An absolute http(s) URL; events are POSTed to it."
          />
          <Field
            label="Description"
            name="description"
            maxLength={500}
            defaultValue={values?.description}
            error={failure?.fieldErrors.description}
            hint="A note to recognise it by, e.g. the partner’s name."
          />
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
            label="Account id"
            name="accountId"
            defaultValue={values?.accountId}
            error={failure?.fieldErrors.accountId}
            hint="For an endpoint that hears of one account: its id, from its page under Accounts."
          />
          <EventTypesField
            eventTypes={webhookEventTypes}
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
