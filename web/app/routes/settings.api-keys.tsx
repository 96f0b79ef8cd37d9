import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/forms';
import { SettingsNav } from '~/components/SettingsNav';
import { Card, EmptyState, PageHeader } from '~/components/ui';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  RevokeApiKeyDocument,
  type ApiScope,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAccount } from '~/lib/api.server';
import { formatDate } from '~/lib/format';

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
  const { keys } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const failure = result && !result.ok ? result : null;
  const created = result?.ok && 'secret' in result ? result : null;
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
            {keys.length === 0 ? (
              <EmptyState>No keys yet.</EmptyState>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Key</th>
                      <th scope="col" className="hide-small">
                        Last used
                      </th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {keys.map((key) => (
                      <tr key={key.id}>
                        <td>
                          {key.name}
                          <div className="muted small">
                            {key.scopes.map((scope) => SCOPES[scope]).join(', ')}
                          </div>
                        </td>
                        <td>
                          <code>{key.prefix}…</code>
                        </td>
                        <td className="hide-small">
                          {key.lastUsedAt ? formatDate(key.lastUsedAt) : 'Never'}
                        </td>
                        <td>
                          {key.revokedAt ? (
                            <span className="badge">Revoked</span>
                          ) : (
                            <Form method="post">
                              <input type="hidden" name="intent" value="revoke" />
                              <input type="hidden" name="id" value={key.id} />
                              <button
                                type="submit"
                                className="button button-danger button-small"
                                disabled={busy}
                              >
                                Revoke<span className="visually-hidden"> {key.name}</span>
                              </button>
                            </Form>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
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
              <fieldset aria-describedby={failure?.fieldErrors.scopes ? 'scopes-error' : undefined}>
                <legend>It may</legend>
                {GRANTABLE.map((scope) => (
                  <label key={scope} className="checkbox">
                    <input
                      type="checkbox"
                      name="scopes"
                      value={scope}
                      defaultChecked={scope === 'BILLING_READ'}
                    />{' '}
                    {SCOPES[scope]}
                  </label>
                ))}
                <p className="muted small">A key can do no more than you can.</p>
                {failure?.fieldErrors.scopes ? (
                  <p className="field-error" id="scopes-error">
                    {failure.fieldErrors.scopes}
                  </p>
                ) : null}
              </fieldset>
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
