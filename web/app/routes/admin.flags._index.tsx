import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { EmptyState } from '~/components/EmptyState';
import { ConfirmStep, Field, FormError, Notice, PostButton } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import {
  CreateFeatureFlagDocument,
  DeleteFeatureFlagDocument,
  FeatureFlagsDocument,
  SetFeatureFlagDocument,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAdmin } from '~/lib/api.server';
import { asksConfirmation, confirmationNeeded } from '~/lib/confirmation';
import { describeFlagState, parseRolloutPercent, ROLLOUT_PROBLEM } from '~/lib/featureFlagForm';
import { useFormat } from '~/lib/formatContext';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Feature flags — Admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return (await query(context, request, FeatureFlagsDocument, {})).featureFlags;
}

/** Each form names its intent; a switch names the value it sets, so sending it twice leaves the flag as asked. */
export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const form = await request.formData();
  const key = field(form, 'key');
  switch (field(form, 'intent')) {
    case 'create': {
      const rolloutPercent = parseRolloutPercent(field(form, 'rolloutPercent'));
      if (rolloutPercent === null) return { ...invalid({ rolloutPercent: ROLLOUT_PROBLEM }), form: 'create' };
      const outcome = await mutate(context, request, CreateFeatureFlagDocument, {
        input: {
          key,
          description: field(form, 'description'),
          enabled: form.get('enabled') === 'on',
          rolloutPercent,
        },
      });
      if (!outcome.ok) return { ...outcome, form: 'create' };
      return safeRedirect(`/admin/flags?created=${encodeURIComponent(key)}`);
    }
    case 'delete': {
      const confirm = confirmationNeeded(form, {
        question: `Delete ${key}?`,
        consequence:
          'Its overrides go with it, and every account reads it as off from now on; partners gating features on it lose them.',
        action: 'Yes, delete it',
      });
      if (confirm) return confirm;
      const outcome = await mutate(context, request, DeleteFeatureFlagDocument, { key });
      if (!outcome.ok) return outcome;
      return safeRedirect(`/admin/flags?deleted=${encodeURIComponent(key)}`);
    }
    default: {
      const outcome = await mutate(context, request, SetFeatureFlagDocument, {
        key,
        enabled: field(form, 'enabled') === 'true',
      });
      if (!outcome.ok) return outcome;
      return safeRedirect(`/admin/flags?changed=${encodeURIComponent(outcome.data.setFeatureFlag.key)}`);
    }
  }
}

export default function FeatureFlags() {
  const { formatDateTime } = useFormat();
  const flags = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [search] = useSearchParams();
  const navigation = useNavigation();
  const switching = navigation.formData?.get('key');
  const changed = flags.find((flag) => flag.key === search.get('changed'));
  const createFailure = result && 'form' in result && !result.ok ? result : null;
  return (
    <>
      <PageHeader
        title="Feature flags"
        description="Switches that change the product for everyone, a share of accounts, or one account. Each change is kept in the audit log."
      />
      {changed ? (
        <Notice tone="success">{`${changed.key} is now ${changed.enabled ? 'on' : 'off'}.`}</Notice>
      ) : null}
      {search.get('created') ? (
        <Notice tone="success">{`${search.get('created')} is created.`}</Notice>
      ) : null}
      {search.get('deleted') ? (
        <Notice tone="success">{`${search.get('deleted')} is deleted.`}</Notice>
      ) : null}
      {asksConfirmation(result) ? (
        <ConfirmStep request={result.confirm} busy={navigation.state !== 'idle'} />
      ) : createFailure ? null : (
        <FormError message={result && 'formError' in result ? result.formError : null} />
      )}
      <Card>
        {flags.length === 0 ? (
          <EmptyState>No feature flags.</EmptyState>
        ) : (
          <ul className="flag-list">
            {flags.map((flag) => (
              <li key={flag.key} className="flag">
                <div>
                  <h2 className="flag-name">
                    <Link to={`/admin/flags/${flag.key}`}>
                      <code>{flag.key}</code>
                    </Link>{' '}
                    <span className={`badge ${flag.enabled ? 'badge-good' : 'badge-warn'}`}>
                      {flag.enabled ? 'On' : 'Off'}
                    </span>
                  </h2>
                  <p className="muted small">{flag.description}</p>
                  <p className="muted small">
                    {describeFlagState(flag)}
                    {` · ${flag.overrideCount} ${flag.overrideCount === 1 ? 'override' : 'overrides'}`}
                    {flag.builtIn ? ' · built in' : ''}
                    {' · '}
                    {flag.updatedAt
                      ? `last changed ${formatDateTime(flag.updatedAt)}`
                      : 'never changed: its default applies'}
                  </p>
                </div>
                <div className="page-actions">
                  <PostButton
                    fields={{ key: flag.key, enabled: String(!flag.enabled) }}
                    className={`button nowrap ${flag.enabled ? 'button-danger' : 'button-primary'}`}
                    disabled={switching === flag.key}
                  >
                    {flag.enabled ? 'Turn off' : 'Turn on'}
                    <span className="visually-hidden"> {flag.key}</span>
                  </PostButton>
                  <Link to={`/admin/flags/${flag.key}`} className="button nowrap">
                    Edit
                    <span className="visually-hidden"> {flag.key}</span>
                  </Link>
                  {flag.builtIn ? null : (
                    <PostButton
                      fields={{ intent: 'delete', key: flag.key }}
                      className="button button-quiet nowrap"
                    >
                      Delete
                      <span className="visually-hidden"> {flag.key}</span>
                    </PostButton>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="New flag">
        <FormError message={createFailure?.formError} />
        <Form method="post" className="stack" aria-label="New flag">
          <input type="hidden" name="intent" value="create" />
          <Field
            label="Key"
            name="key"
            required
            maxLength={64}
            hint="Lowercase snake_case, e.g. new_dashboard. It cannot be changed later."
            error={createFailure?.fieldErrors.key}
          />
          <Field
            label="Description"
            name="description"
            required
            maxLength={500}
            error={createFailure?.fieldErrors.description}
          />
          <Field
            label="Rollout (% of accounts while on)"
            name="rolloutPercent"
            inputMode="numeric"
            defaultValue="100"
            error={createFailure?.fieldErrors.rolloutPercent}
          />
          <p>
            <label className="checkbox">
              <input type="checkbox" name="enabled" value="on" /> On
            </label>
          </p>
          <div>
            <button type="submit" className="button button-primary" disabled={navigation.state !== 'idle'}>
              Create flag
            </button>
          </div>
        </Form>
      </Card>
    </>
  );
}
