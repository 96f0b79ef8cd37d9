import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { EmptyState } from '~/components/EmptyState';
import { FormError, Notice, PostButton } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import { FeatureFlagsDocument, SetFeatureFlagDocument } from '~/graphql/generated';
import { field, mutate, query, requireAdmin } from '~/lib/api.server';
import { useFormat } from '~/lib/formatContext';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Feature flags — Admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return (await query(context, request, FeatureFlagsDocument, {})).featureFlags;
}

/** Each switch is its own form naming the value it sets, so sending it twice leaves the flag as asked. */
export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const form = await request.formData();
  const outcome = await mutate(context, request, SetFeatureFlagDocument, {
    key: field(form, 'key'),
    enabled: field(form, 'enabled') === 'true',
  });
  if (!outcome.ok) return outcome;
  return safeRedirect(`/admin/flags?changed=${encodeURIComponent(outcome.data.setFeatureFlag.key)}`);
}

export default function FeatureFlags() {
  const { formatDateTime } = useFormat();
  const flags = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const switching = useNavigation().formData?.get('key');
  const changed = flags.find((flag) => flag.key === search.get('changed'));
  return (
    <>
      <PageHeader
        title="Feature flags"
        description="Switches that change the product for everyone. Each change is kept in the audit log."
      />
      {changed ? (
        <Notice tone="success">{`${changed.key} is now ${changed.enabled ? 'on' : 'off'}.`}</Notice>
      ) : null}
      <FormError message={failure?.formError} />
      <Card>
        {flags.length === 0 ? (
          <EmptyState>No feature flags.</EmptyState>
        ) : (
          <ul className="flag-list">
            {flags.map((flag) => (
              <li key={flag.key} className="flag">
                <div>
                  <h2 className="flag-name">
                    <code>{flag.key}</code>{' '}
                    <span className={`badge ${flag.enabled ? 'badge-good' : 'badge-warn'}`}>
                      {flag.enabled ? 'On' : 'Off'}
                    </span>
                  </h2>
                  <p className="muted small">{flag.description}</p>
                  <p className="muted small">
                    {flag.updatedAt
                      ? `Last changed ${formatDateTime(flag.updatedAt)}`
                      : 'Never changed: its default applies.'}
                  </p>
                </div>
                <PostButton
                  fields={{ key: flag.key, enabled: String(!flag.enabled) }}
                  className={`button nowrap ${flag.enabled ? 'button-danger' : 'button-primary'}`}
                  disabled={switching === flag.key}
                >
                  {flag.enabled ? 'Turn off' : 'Turn on'}
                  <span className="visually-hidden"> {flag.key}</span>
                </PostButton>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
