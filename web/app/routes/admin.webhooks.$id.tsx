import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { WebhookEndpointPage } from '~/components/WebhookEndpointPage';
import { requireAdmin } from '~/lib/api.server';
import { endpointAction, loadEndpointPage } from '~/lib/webhookEndpoints.server';

export const meta: MetaFunction = () => [{ title: 'Webhook endpoint — Admin' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return loadEndpointPage({ context, request, id: params.id! });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  return endpointAction({ context, request, id: params.id!, listPath: '/admin/webhooks' });
}

export default function AdminWebhookEndpoint() {
  return (
    <WebhookEndpointPage
      data={useLoaderData<typeof loader>()}
      result={useActionData<typeof action>()}
      listPath="/admin/webhooks"
      scopeShown
    />
  );
}
