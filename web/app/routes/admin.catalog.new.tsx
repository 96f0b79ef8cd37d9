import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormError, Notice } from '~/components/forms';
import { PlanEditor } from '~/components/PlanEditor';
import { Card, PageHeader } from '~/components/ui';
import { AdminCatalogDocument } from '~/graphql/generated';
import { query, requireAdmin } from '~/lib/api.server';
import { saveDraft } from '~/lib/planDrafts.server';
import { EMPTY_PLAN, valuesFromPlan } from '~/lib/planForm';

export const meta: MetaFunction = () => [{ title: 'New plan — Admin' }];

/** A new plan, or with `?from=<planId>` the next version of that plan's key, starting from its terms. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const { plans, meters } = await query(context, request, AdminCatalogDocument, {});
  const fromId = new URL(request.url).searchParams.get('from');
  const from = fromId ? plans.find((plan) => plan.id === fromId) : undefined;
  if (fromId && !from) throw new Response('No plan has this id.', { status: 404, statusText: 'Not Found' });
  const draft = from && plans.find((plan) => plan.key === from.key && plan.status === 'DRAFT');
  return {
    values: from ? valuesFromPlan(from) : EMPTY_PLAN,
    from: from ? { key: from.key, version: from.version } : null,
    existingDraft: draft ? { id: draft.id, version: draft.version } : null,
    meters,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  return saveDraft({ context, request, form: await request.formData() });
}

export default function NewPlan() {
  const { values, from, existingDraft, meters } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <>
      <PageHeader
        title={from ? `New version of ${from.key}` : 'New plan'}
        description={
          <>
            <Link to="/admin/catalog">← Catalog</Link> ·{' '}
            {from
              ? `Starts from version ${from.version}. Saved as a draft, it is not sold until you publish it.`
              : 'Saved as a draft, it is not sold until you publish it.'}
          </>
        }
      />
      {existingDraft ? (
        <Notice tone="warning">
          {`${from?.key} already has a draft (version ${existingDraft.version}); a key has one draft at a time. `}
          <Link to={`/admin/catalog/${existingDraft.id}`}>Edit that draft</Link>
        </Notice>
      ) : null}
      <FormError message={failure?.formError} />
      <Card>
        <PlanEditor
          key={JSON.stringify(failure?.values ?? values)}
          values={failure?.values ?? values}
          errors={failure?.fieldErrors ?? {}}
          meters={meters}
          submitLabel="Save draft"
          busy={busy}
        />
      </Card>
    </>
  );
}
