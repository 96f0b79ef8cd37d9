import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { EmptyState } from '~/components/EmptyState';
import { Field, FormError, Notice, PostButton } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import {
  ClearFeatureFlagOverrideDocument,
  FeatureFlagDetailDocument,
  SetFeatureFlagOverrideDocument,
  UpdateFeatureFlagDocument,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAdmin } from '~/lib/api.server';
import { describeFlagState, parseRolloutPercent, ROLLOUT_PROBLEM } from '~/lib/featureFlagForm';
import { useFormat } from '~/lib/formatContext';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = ({ params }) => [{ title: `${params.key} — Feature flags — Admin` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const search = new URL(request.url).searchParams.get('search')?.trim() ?? '';
  const data = await query(context, request, FeatureFlagDetailDocument, {
    key: params.key ?? '',
    search,
    searching: search !== '',
  });
  return {
    flag: data.featureFlag,
    found: data.adminAccounts?.edges.map(({ node }) => node) ?? null,
  };
}

/** Changes the flag itself, or one account's override; each lands back here saying what changed. */
export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const key = params.key ?? '';
  const form = await request.formData();
  const back = (done: string) => safeRedirect(`/admin/flags/${encodeURIComponent(key)}?done=${done}`);
  switch (field(form, 'intent')) {
    case 'update': {
      const rolloutPercent = parseRolloutPercent(field(form, 'rolloutPercent'));
      if (rolloutPercent === null) return invalid({ rolloutPercent: ROLLOUT_PROBLEM });
      const outcome = await mutate(context, request, UpdateFeatureFlagDocument, {
        input: {
          key,
          description: field(form, 'description'),
          enabled: form.get('enabled') === 'on',
          rolloutPercent,
        },
      });
      return outcome.ok ? back('saved') : outcome;
    }
    case 'override': {
      const accountId = field(form, 'accountId');
      if (!accountId) return invalid({ accountId: 'Enter an account id, or find the account by name.' });
      const outcome = await mutate(context, request, SetFeatureFlagOverrideDocument, {
        input: { key, accountId, enabled: field(form, 'enabled') === 'true' },
      });
      return outcome.ok ? back('override') : outcome;
    }
    case 'clear': {
      const outcome = await mutate(context, request, ClearFeatureFlagOverrideDocument, {
        key,
        accountId: field(form, 'accountId'),
      });
      return outcome.ok ? back('cleared') : outcome;
    }
    default:
      throw new Response('Unknown action.', { status: 400 });
  }
}

const DONE: Record<string, string> = {
  saved: 'The flag is saved.',
  override: 'The account’s override is saved.',
  cleared: 'The override is removed: the flag’s global state and rollout apply to that account again.',
};

export default function FeatureFlagPage() {
  const { formatDateTime } = useFormat();
  const { flag, found } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const busy = useNavigation().state !== 'idle';
  const done = DONE[search.get('done') ?? ''];
  return (
    <>
      <PageHeader title={flag.key} description={<Link to="/admin/flags">← All feature flags</Link>} />
      {done ? <Notice tone="success">{done}</Notice> : null}
      <FormError message={failure?.formError} />
      <div className="grid-2">
        <Card title="The flag">
          <p className="muted small">
            {describeFlagState(flag)}
            {flag.builtIn ? ' · built in, cannot be deleted' : ''}
          </p>
          <Form method="post" className="stack" aria-label="Flag settings">
            <input type="hidden" name="intent" value="update" />
            <Field
              label="Description"
              name="description"
              required
              maxLength={500}
              defaultValue={flag.description}
              error={failure?.fieldErrors.description}
            />
            <Field
              label="Rollout (% of accounts while on)"
              name="rolloutPercent"
              inputMode="numeric"
              defaultValue={String(flag.rolloutPercent)}
              hint="Each account keeps its place: raising it only adds accounts."
              error={failure?.fieldErrors.rolloutPercent}
            />
            <p>
              <label className="checkbox">
                <input type="checkbox" name="enabled" value="on" defaultChecked={flag.enabled} /> On
              </label>
            </p>
            <div>
              <button type="submit" className="button button-primary" disabled={busy}>
                Save
              </button>
            </div>
          </Form>
        </Card>
        <Card title="Add an override">
          <p className="muted small">An account’s own value wins over the flag’s global state and rollout.</p>
          <Form method="get" className="inline-form" aria-label="Find an account">
            <Field label="Find an account" name="search" defaultValue={search.get('search') ?? ''} />
            <button type="submit" className="button">
              Search
            </button>
          </Form>
          {found ? (
            found.length === 0 ? (
              <EmptyState>No account matches.</EmptyState>
            ) : (
              <ul className="item-list">
                {found.map((account) => (
                  <li key={account.id}>
                    <span>
                      <strong>{account.name}</strong>
                      <span className="muted small block">{account.externalId ?? account.id}</span>
                    </span>
                    <OverrideButtons accountId={account.id} accountName={account.name} busy={busy} />
                  </li>
                ))}
              </ul>
            )
          ) : null}
          <Form method="post" className="inline-form section" aria-label="Override by account id">
            <input type="hidden" name="intent" value="override" />
            <Field label="Account id" name="accountId" error={failure?.fieldErrors.accountId} />
            <button type="submit" name="enabled" value="true" className="button" disabled={busy}>
              Turn on for it
            </button>
            <button type="submit" name="enabled" value="false" className="button" disabled={busy}>
              Turn off for it
            </button>
          </Form>
        </Card>
      </div>
      <Card title={`Overrides (${flag.overrides.length})`}>
        {flag.overrides.length === 0 ? (
          <EmptyState>No account has its own value.</EmptyState>
        ) : (
          <ul className="item-list">
            {flag.overrides.map((override) => (
              <li key={override.accountId}>
                <span>
                  <Link to={`/admin/accounts/${override.accountId}`}>{override.accountName}</Link>{' '}
                  <span className={`badge ${override.enabled ? 'badge-good' : 'badge-warn'}`}>
                    {override.enabled ? 'On' : 'Off'}
                  </span>
                  <span className="muted small block">since {formatDateTime(override.updatedAt)}</span>
                </span>
                <PostButton
                  fields={{ intent: 'clear', accountId: override.accountId }}
                  className="button button-small nowrap"
                  disabled={busy}
                >
                  Remove
                  <span className="visually-hidden"> the override of {override.accountName}</span>
                </PostButton>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}

function OverrideButtons({
  accountId,
  accountName,
  busy,
}: {
  accountId: string;
  accountName: string;
  busy: boolean;
}) {
  return (
    <span className="page-actions">
      {(['true', 'false'] as const).map((enabled) => (
        <PostButton
          key={enabled}
          fields={{ intent: 'override', accountId, enabled }}
          className="button button-small nowrap"
          disabled={busy}
        >
          {enabled === 'true' ? 'Turn on' : 'Turn off'}
          <span className="visually-hidden"> for {accountName}</span>
        </PostButton>
      ))}
    </span>
  );
}
