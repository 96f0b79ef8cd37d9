import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { FormError, Notice, PostButton } from '~/components/forms';
import { PlanCard } from '~/components/PlanCard';
import { PlanEditor } from '~/components/PlanEditor';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import {
  AdminCatalogDocument,
  ArchivePlanDocument,
  PublishPlanDocument,
  type CatalogPlanFragment,
} from '~/graphql/generated';
import { field, mutate, query, requireAdmin } from '~/lib/api.server';
import { archiveConsequence, priceLabel, publishConsequence } from '~/lib/catalog';
import { formatCredits, formatMoney, formatNumber } from '~/lib/format';
import { saveDraft } from '~/lib/planDrafts.server';
import { valuesFromPlan } from '~/lib/planForm';
import { describeEntitlement, sortEntitlements } from '~/lib/plans';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Plan — Admin' }];

/**
 * One version of a plan: a draft is edited, previewed as the pricing page would show it, published or
 * discarded; a published or archived version is read-only and is where its key's next version starts.
 */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const { plans, meters } = await query(context, request, AdminCatalogDocument, {});
  const plan = plans.find((candidate) => candidate.id === params.id);
  if (!plan) throw new Response('No plan has this id.', { status: 404, statusText: 'Not Found' });
  const sameKey = plans.filter((candidate) => candidate.key === plan.key && candidate.id !== plan.id);
  return {
    plan,
    values: plan.status === 'DRAFT' ? valuesFromPlan(plan) : null,
    onSale: sameKey.find((candidate) => candidate.active) ?? null,
    draftOfKey: sameKey.find((candidate) => candidate.status === 'DRAFT') ?? null,
    // The preview's yearly saving is worked out against the monthly plans on sale, as on the pricing page.
    plansOnSale: plans.filter((candidate) => candidate.active),
    meters,
  };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const planId = params.id!;
  const form = await request.formData();
  switch (field(form, 'intent')) {
    case 'save':
      return saveDraft({ context, request, form, planId });
    case 'publish': {
      const outcome = await mutate(context, request, PublishPlanDocument, { id: planId });
      if (!outcome.ok) return { ...outcome, intent: 'publish' as const, values: null };
      return safeRedirect(`/admin/catalog/${planId}?done=published`);
    }
    case 'archive': {
      const outcome = await mutate(context, request, ArchivePlanDocument, { id: planId });
      if (!outcome.ok) return { ...outcome, intent: 'archive' as const, values: null };
      return safeRedirect(`/admin/catalog/${planId}?done=archived`);
    }
    default:
      throw new Response('Unknown action.', { status: 400 });
  }
}

export default function CatalogPlan() {
  const { plan, values, onSale, draftOfKey, plansOnSale, meters } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const done = search.get('done');
  const draft = plan.status === 'DRAFT';
  return (
    <>
      <PageHeader
        title={`${plan.name}, version ${plan.version}`}
        description={
          <>
            <Link to="/admin/catalog">← Catalog</Link> · <code>{plan.key}</code> ·{' '}
            <StatusBadge status={plan.status} /> · {plan.active ? 'on sale' : 'not on sale'} ·{' '}
            {`${formatNumber(plan.subscriberCount)} ${plan.subscriberCount === 1 ? 'subscriber' : 'subscribers'}`}
          </>
        }
      />
      {done === 'created' ? (
        <Notice tone="success">
          {`Draft saved as version ${plan.version} of ${plan.key}. It is not sold until you publish it.`}
        </Notice>
      ) : null}
      {done === 'saved' ? <Notice tone="success">Draft saved.</Notice> : null}
      {done === 'published' && plan.status === 'PUBLISHED' ? (
        <Notice tone="success">
          {`Version ${plan.version} of ${plan.key} is on sale now. `}
          <Link to="/pricing">See the pricing page</Link>
        </Notice>
      ) : null}
      {done === 'archived' && plan.status === 'ARCHIVED' ? (
        <Notice tone="success">{`Version ${plan.version} of ${plan.key} is archived: it is not sold.`}</Notice>
      ) : null}
      <FormError message={failure?.formError} />
      <div className="grid-2">
        <Card title={draft ? 'Draft' : 'Definition'}>
          {draft && values ? (
            <PlanEditor
              key={JSON.stringify(failure?.values ?? values)}
              values={failure?.values ?? values}
              errors={failure?.intent === 'save' ? failure.fieldErrors : {}}
              meters={meters}
              submitLabel="Save draft"
              busy={busy}
            />
          ) : (
            <Definition plan={plan} />
          )}
        </Card>
        <div className="stack">
          <div className="plan-preview">
            <h2 className="card-title">{draft ? 'Preview, as saved' : 'On the pricing page'}</h2>
            <PlanCard plan={plan} plans={[...plansOnSale, plan]} seats={1} current={false} />
          </div>
          {draft ? (
            <Card title="Publish">
              <p>{publishConsequence(plan, onSale ?? undefined)}</p>
              <PostButton fields={{ intent: 'publish' }} className="button button-primary" disabled={busy}>
                {`Publish version ${plan.version}`}
              </PostButton>
            </Card>
          ) : (
            <Card title="Change it">
              <p>
                A published version never changes: a new price or new terms are a new version of{' '}
                <code>{plan.key}</code>, and its subscribers keep this one.
              </p>
              {draftOfKey ? (
                <Link to={`/admin/catalog/${draftOfKey.id}`} className="button">
                  {`Edit the draft (version ${draftOfKey.version})`}
                </Link>
              ) : (
                <Link to={`/admin/catalog/new?from=${plan.id}`} className="button button-primary">
                  New version from this
                </Link>
              )}
            </Card>
          )}
          {plan.status !== 'ARCHIVED' ? (
            <Card title={draft ? 'Discard' : 'Archive'}>
              <p>{archiveConsequence(plan)}</p>
              <PostButton fields={{ intent: 'archive' }} className="button button-danger" disabled={busy}>
                {draft ? 'Discard draft' : `Archive version ${plan.version}`}
              </PostButton>
            </Card>
          ) : null}
        </div>
      </div>
    </>
  );
}

/** A published or archived version's terms, read-only. */
function Definition({ plan }: { plan: CatalogPlanFragment }) {
  const facts: Array<[string, string]> = [
    ['Key', plan.key],
    ['Tier', `${plan.tier} (rank ${plan.tierRank})`],
    ['Price', priceLabel(plan)],
    [
      'Trial',
      plan.trialDays > 0
        ? `${plan.trialDays} days${plan.trialWithoutCard ? ', without a card' : ''}`
        : 'None',
    ],
    ['Sold', plan.purchaseMode === 'CONTACT_SALES' ? 'By the sales team' : 'Self-serve, through Checkout'],
    ['Display order', String(plan.displayOrder)],
    ['New accounts start on it', plan.isDefault ? 'Yes' : 'No'],
  ];
  return (
    <>
      <dl className="facts">
        {facts.map(([term, detail]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{detail}</dd>
          </div>
        ))}
      </dl>
      <h3 className="editor-heading">What it gives</h3>
      {plan.entitlements.length === 0 ? (
        <p className="empty">Nothing beyond the plan itself.</p>
      ) : (
        <ul className="item-list">
          {sortEntitlements(plan.entitlements).map((entitlement) => (
            <li key={entitlement.featureKey}>
              <span>{describeEntitlement(entitlement)}</span>
              <span className="muted small">
                <code>{entitlement.featureKey}</code>
                {entitlement.overagePrice
                  ? ` · then ${formatMoney(entitlement.overagePrice.price)} per ${formatNumber(entitlement.overagePrice.blockSize)}`
                  : ''}
                {entitlement.creditAllowanceMilliCredits !== null
                  ? ` · ${formatCredits(entitlement.creditAllowanceMilliCredits)} credits`
                  : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
