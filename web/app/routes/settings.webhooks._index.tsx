import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { Notice } from '~/components/forms';
import { SettingsNav } from '~/components/SettingsNav';
import { PageHeader } from '~/components/ui';
import { WebhookEndpointList } from '~/components/WebhookEndpointList';
import { AccountWebhookEndpointsDocument } from '~/graphql/generated';
import { query, requireAccount } from '~/lib/api.server';
import { createEndpoint } from '~/lib/webhookEndpoints.server';

export const meta: MetaFunction = () => [{ title: 'Webhooks — Settings' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId, canManageBilling } = await requireAccount(context, request);
  if (!canManageBilling) return null;
  return query(context, request, AccountWebhookEndpointsDocument, { accountId });
}

/** Adds an endpoint bound to this account; the API refuses members, so the page need not. */
export async function action({ request, context }: ActionFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  return createEndpoint({ context, request, form: await request.formData(), accountId });
}

export default function AccountWebhookEndpoints() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <PageHeader
        title="Settings"
        description="Webhooks send this account’s events (subscriptions, invoices, payments, credits) to your systems as they happen, signed per Standard Webhooks."
      />
      <SettingsNav />
      {data === null ? (
        <Notice>Only the account’s owners and admins can manage webhooks.</Notice>
      ) : (
        <WebhookEndpointList
          endpoints={data.account.webhookEndpoints}
          eventTypes={data.webhookEventTypes}
          result={result}
          basePath="/settings/webhooks"
          scopeChoice={false}
        />
      )}
    </>
  );
}
