import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { PageHeader } from '~/components/ui';
import { WebhookEndpointList } from '~/components/WebhookEndpointList';
import { WebhookEndpointsDocument } from '~/graphql/generated';
import { field, invalid, query, requireAdmin } from '~/lib/api.server';
import { createEndpoint, endpointFields } from '~/lib/webhookEndpoints.server';

export const meta: MetaFunction = () => [{ title: 'Partner webhooks — Admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return query(context, request, WebhookEndpointsDocument, {});
}

/** Adds an endpoint for every account's events, or, when one account is chosen, for that account's. */
export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const form = await request.formData();
  const boundToAccount = field(form, 'scope') === 'account';
  const accountId = field(form, 'accountId');
  if (boundToAccount && !accountId)
    return {
      ...invalid({ accountId: 'Enter the id of the account whose events it hears.' }),
      values: { ...endpointFields(form), boundToAccount, accountId },
    };
  return createEndpoint({ context, request, form, accountId: boundToAccount ? accountId : null });
}

export default function AdminWebhookEndpoints() {
  const { webhookEndpoints, webhookEventTypes } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader
        title="Partner webhooks"
        description="Where partners receive events, signed per Standard Webhooks: every account’s events (platform-wide) or one account’s."
      />
      <WebhookEndpointList
        endpoints={webhookEndpoints}
        eventTypes={webhookEventTypes}
        result={useActionData<typeof action>()}
        basePath="/admin/webhooks"
        scopeChoice
      />
    </>
  );
}
