import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { SettingsNav } from '~/components/SettingsNav';
import { WebhookEndpointPage } from '~/components/WebhookEndpointPage';
import { requireViewer } from '~/lib/api.server';
import { endpointAction, loadEndpointPage } from '~/lib/webhookEndpoints.server';

export const meta: MetaFunction = () => [{ title: 'Webhook endpoint — Settings' }];

/** One of the account's endpoints; the API answers only its owners and admins (others get 403 or 404). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireViewer(context, request);
  return loadEndpointPage({ context, request, id: params.id! });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireViewer(context, request);
  return endpointAction({ context, request, id: params.id!, listPath: '/settings/webhooks' });
}

export default function AccountWebhookEndpoint() {
  return (
    <WebhookEndpointPage
      nav={<SettingsNav />}
      data={useLoaderData<typeof loader>()}
      result={useActionData<typeof action>()}
      listPath="/settings/webhooks"
      scopeShown={false}
    />
  );
}
