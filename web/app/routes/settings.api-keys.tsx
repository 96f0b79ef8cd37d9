import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { CheckboxGroup, ConfirmStep, Field, FormError, Notice, PostButton } from '~/components/forms';
import { SettingsNav } from '~/components/SettingsNav';
import { Card, PageHeader } from '~/components/ui';
import {
  ApiKeysDocument,
  type ApiKeysQuery,
  CreateApiKeyDocument,
  RevokeApiKeyDocument,
  type ApiScope,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAccount } from '~/lib/api.server';
import { asksConfirmation, confirmationNeeded } from '~/lib/confirmation';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

export const meta: MetaFunction = () => [{ title: 'API keys — Settings' }];

const SCOPES: Record<ApiScope, string> = {
  ACCOUNTS_READ: 'Read the account',
  ACCOUNTS_WRITE: 'Change the account',
  BILLING_READ: 'Read plan and invoices',
  BILLING_WRITE: 'Change plan and billing',
  USAGE_READ: 'Read usage',
  USAGE_WRITE: 'Record usage',
  CREDITS_READ: 'Read credits',
  CREDITS_WRITE: 'Spend credits',
  ENTITLEMENTS_READ: 'Check entitlements',
  ENTITLEMENTS_WRITE: 'Register resources',
  CATALOG_WRITE: 'Manage the catalog',
  WEBHOOKS_READ: 'Read partner webhooks',
  WEBHOOKS_WRITE: 'Manage partner webhooks',
};

/**
 * What owners and admins may give a key: a key never does more than its creator, and recording usage,
 * spending credits and registering resources are the platform's to do (the API refuses the rest).
 */
const GRANTABLE: ApiScope[] = [
  'ACCOUNTS_READ',
  'ACCOUNTS_WRITE',
  'BILLING_READ',
  'BILLING_WRITE',
  'USAGE_READ',
  'CREDITS_READ',
  'ENTITLEMENTS_READ',
  'WEBHOOKS_READ',
  'WEBHOOKS_WRITE',
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId, canManageBilling } = await requireAccount(context, request);
  if (!canManageBilling) return { keys: null };
  const { account } = await query(context, request, ApiKeysDocument, { accountId });
  return { keys: account.apiKeys };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const form = await request.formData();
  if (field(form, 'intent') === 'revoke') {
    const confirm = confirmationNeeded(form, {
      question: `Revoke ${field(form, 'name') || 'this key'}?`,
      consequence: 'Every call made with it is refused from now on, and it cannot be turned back on.',
      action: 'Yes, revoke the key',
    });
    if (confirm) return confirm;
    const outcome = await mutate(context, request, RevokeApiKeyDocument, { id: field(form, 'id') });
    return outcome.ok ? { ok: true as const, revoked: true } : outcome;
  }
  const scopes = form
    .getAll('scopes')
    .filter((scope): scope is ApiScope => GRANTABLE.includes(scope as ApiScope));
  if (scopes.length === 0) return invalid({ scopes: 'Choose at least one thing the key may do.' });
  const outcome = await mutate(context, request, CreateApiKeyDocument, {
    input: { accountId, name: field(form, 'name'), scopes },
  });
  if (!outcome.ok) return outcome;
  return {
    ok: true as const,
    secret: outcome.data.createApiKey.secret,
    name: outcome.data.createApiKey.apiKey.name,
  };
}

export default function ApiKeys() {
  const format = useFormat();
  const { keys } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const confirm = asksConfirmation(result) ? result.confirm : null;
  const outcome = asksConfirmation(result) ? undefined : result;
  const failure = outcome && !outcome.ok ? outcome : null;
  const created = outcome?.ok && 'secret' in outcome ? outcome : null;
  return (
    <>
      <PageHeader
        title="Settings"
        description="Keys let your own systems read the account, its billing and its usage through the API."
      />
      <SettingsNav />
      {keys === null ? (
        <Notice>Only the account’s owners and admins can manage API keys.</Notice>
      ) : (
        <div className="grid-2">
          <Card title="API keys">
            {confirm ? <ConfirmStep request={confirm} busy={busy} /> : null}
            {created ? (
              <div className="banner banner-success" role="status">
                <p>
                  <strong>{created.name}</strong> is ready. Copy the key now: it is shown only this once.
                </p>
                <p className="secret" aria-label="The new API key">
                  {created.secret}
                </p>
              </div>
            ) : null}
            <DataTable
              caption="API keys"
              columns={[
                ...COLUMNS(format),
                {
                  header: 'Actions',
                  headerHidden: true,
                  cell: (key) =>
                    key.revokedAt ? (
                      <span className="badge">Revoked</span>
                    ) : (
                      <PostButton
                        fields={{ intent: 'revoke', id: key.id, name: key.name }}
                        className="button button-danger button-small"
                        disabled={busy}
                      >
                        Revoke<span className="visually-hidden"> {key.name}</span>
                      </PostButton>
                    ),
                },
              ]}
              rows={keys}
              rowKey={(key) => key.id}
              empty="No keys yet."
            />
          </Card>
          <Card title="Create a key">
            <FormError
              message={
                failure && !failure.fieldErrors.name && !failure.fieldErrors.scopes ? failure.formError : null
              }
            />
            <Form method="post">
              <input type="hidden" name="intent" value="create" />
              <Field
                label="Name"
                name="name"
                required
                maxLength={100}
                error={failure?.fieldErrors.name}
                hint="Where the key is used, e.g. “Production server”."
              />
              <CheckboxGroup
                legend="It may"
                name="scopes"
                options={GRANTABLE.map((scope) => ({ value: scope, label: SCOPES[scope] }))}
                checked={(scope) => scope === 'BILLING_READ'}
                hint="A key can do no more than you can."
                error={failure?.fieldErrors.scopes}
              />
              <button type="submit" className="button button-primary" disabled={busy}>
                Create key
              </button>
            </Form>
          </Card>
        </div>
      )}
    </>
  );
}

const COLUMNS = ({ formatDate }: Formatter): Array<Column<ApiKeysQuery['account']['apiKeys'][number]>> => [
  {
    header: 'Name',
    cell: (key) => (
      <>
        {key.name}
        <div className="muted small">{key.scopes.map((scope) => SCOPES[scope]).join(', ')}</div>
      </>
    ),
  },
  { header: 'Key', cell: (key) => <code>{key.prefix}…</code> },
  {
    header: 'Last used',
    hideOnPhone: true,
    cell: (key) => (key.lastUsedAt ? formatDate(key.lastUsedAt) : 'Never'),
  },
];
