import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { FormError, Notice, PostButton, SelectField } from '~/components/forms';
import { PlanCard } from '~/components/PlanCard';
import { PlanEditor } from '~/components/PlanEditor';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import {
  AdminCatalogDocument,
  ArchivePlanDocument,
  MigratePlanVersionSubscribersDocument,
  type PlanMigrationTiming,
  PreviewPlanVersionMigrationDocument,
  PublishPlanDocument,
  type CatalogPlanFragment,
  type PlanMigrationResultFragment,
} from '~/graphql/generated';
import { field, mutate, query, queryOutcome, requireAdmin } from '~/lib/api.server';
import { archiveConsequence, priceLabel, publishConsequence } from '~/lib/catalog';
import { useFormat } from '~/lib/formatContext';
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
    // Where its subscribers may move: another published version in the same currency and interval.
    migrationTargets: plans.filter(
      (candidate) =>
        candidate.id !== plan.id &&
        candidate.status === 'PUBLISHED' &&
        candidate.price.currency === plan.price.currency &&
        candidate.interval === plan.interval,
    ),
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
    case 'preview-migration':
    case 'migrate': {
      const intent = field(form, 'intent') as 'preview-migration' | 'migrate';
      const toPlanId = field(form, 'toPlanId');
      const timing = field(form, 'timing') === 'NOW' ? 'NOW' : 'AT_RENEWAL';
      const outcome =
        intent === 'migrate'
          ? await mutate(context, request, MigratePlanVersionSubscribersDocument, {
              input: { fromPlanId: planId, toPlanId, timing },
            })
          : await queryOutcome(context, request, PreviewPlanVersionMigrationDocument, {
              fromPlanId: planId,
              toPlanId,
              timing,
            });
      if (!outcome.ok) return { ...outcome, intent, values: null };
      const migration =
        'migratePlanVersionSubscribers' in outcome.data
          ? outcome.data.migratePlanVersionSubscribers
          : outcome.data.previewPlanVersionMigration;
      return { ok: true as const, intent, values: null, migration, toPlanId, timing };
    }
    default:
      throw new Response('Unknown action.', { status: 400 });
  }
}

export default function CatalogPlan() {
  const format = useFormat();
  const { formatNumber } = format;
  const { plan, values, onSale, draftOfKey, plansOnSale, migrationTargets, meters } =
    useLoaderData<typeof loader>();
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
      <FormError message={failure && !failure.ok ? failure.formError : null} />
      <div className="grid-2">
        <Card title={draft ? 'Draft' : 'Definition'}>
          {draft && values ? (
            <PlanEditor
              key={JSON.stringify(failure?.values ?? values)}
              values={failure?.values ?? values}
              errors={failure && !failure.ok && failure.intent === 'save' ? failure.fieldErrors : {}}
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
              <p>{publishConsequence(plan, onSale ?? undefined, format)}</p>
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
              <p>{archiveConsequence(plan, format)}</p>
              <PostButton fields={{ intent: 'archive' }} className="button button-danger" disabled={busy}>
                {draft ? 'Discard draft' : `Archive version ${plan.version}`}
              </PostButton>
            </Card>
          ) : null}
          {!draft && plan.subscriberCount > 0 ? (
            <MoveSubscribers targets={migrationTargets} busy={busy} answer={failure} />
          ) : null}
        </div>
      </div>
    </>
  );
}

type MigrationAnswer =
  | {
      ok: true;
      intent: 'preview-migration' | 'migrate';
      migration: PlanMigrationResultFragment;
      toPlanId: string;
      timing: PlanMigrationTiming;
    }
  | { ok: false; intent: string; fieldErrors: Record<string, string> };

/**
 * Moves this version's subscribers to another version: the operator picks where and when, sees who
 * moves and by how much, then confirms; each subscriber's outcome is shown after.
 */
function MoveSubscribers({
  targets,
  busy,
  answer,
}: {
  targets: CatalogPlanFragment[];
  busy: boolean;
  answer: MigrationAnswer | undefined;
}) {
  const format = useFormat();
  const { formatDate, formatMoney, formatNumber } = format;
  const ours =
    answer && (answer.intent === 'preview-migration' || answer.intent === 'migrate') ? answer : null;
  const errors = ours && !ours.ok ? ours.fieldErrors : {};
  const shown = ours?.ok ? ours : null;
  return (
    <Card title="Move subscribers">
      {targets.length === 0 ? (
        <p className="empty">No other published version in the same currency and interval to move them to.</p>
      ) : (
        <Form method="post" className="stack">
          <input type="hidden" name="intent" value="preview-migration" />
          <SelectField
            label="To version"
            name="toPlanId"
            defaultValue={shown?.toPlanId}
            error={errors.toPlanId}
            options={targets.map((target) => ({
              value: target.id,
              label: `${target.name} (${target.key}), version ${target.version} — ${priceLabel(target, format)}`,
            }))}
          />
          <SelectField
            label="When"
            name="timing"
            defaultValue={shown?.timing}
            error={errors.timing}
            options={[
              { value: 'AT_RENEWAL', label: 'At each subscriber’s next renewal' },
              { value: 'NOW', label: 'Now, prorated and invoiced at once' },
            ]}
          />
          <button type="submit" className="button" disabled={busy}>
            Preview
          </button>
        </Form>
      )}
      {shown ? (
        <>
          {shown.intent === 'migrate' ? (
            <Notice tone={shown.migration.notMovedCount > 0 ? 'warning' : 'success'}>
              {`${formatNumber(shown.migration.movedCount)} moved, ${formatNumber(shown.migration.notMovedCount)} not moved.`}
            </Notice>
          ) : null}
          <table className="table">
            <thead>
              <tr>
                <th>Account</th>
                <th>Seats</th>
                <th>Now</th>
                <th>New</th>
                <th>Difference per period</th>
                {shown.timing === 'NOW' && shown.intent === 'preview-migration' ? (
                  <th>Invoiced now</th>
                ) : null}
                <th>{shown.intent === 'migrate' ? 'Outcome' : 'Takes effect'}</th>
              </tr>
            </thead>
            <tbody>
              {shown.migration.subscribers.map((row) => (
                <tr key={row.subscriptionId}>
                  <td>
                    <Link to={`/admin/accounts/${row.accountId}`}>{row.accountName}</Link>
                  </td>
                  <td>{formatNumber(row.seats)}</td>
                  <td>{formatMoney(row.currentPrice)}</td>
                  <td>{formatMoney(row.newPrice)}</td>
                  <td>{formatMoney(row.periodDifference)}</td>
                  {shown.timing === 'NOW' && shown.intent === 'preview-migration' ? (
                    <td>{row.amountDueNow ? formatMoney(row.amountDueNow) : 'Unknown'}</td>
                  ) : null}
                  <td>
                    {shown.intent === 'migrate'
                      ? `${row.outcome.toLowerCase()}${row.reason ? `: ${row.reason}` : ''}`
                      : row.effectiveAt
                        ? formatDate(row.effectiveAt)
                        : 'Now'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.intent === 'preview-migration' && shown.migration.subscribers.length > 0 ? (
            <PostButton
              fields={{ intent: 'migrate', toPlanId: shown.toPlanId, timing: shown.timing }}
              className="button button-primary"
              disabled={busy}
            >
              {`Move ${formatNumber(shown.migration.subscribers.length)} ${shown.migration.subscribers.length === 1 ? 'subscriber' : 'subscribers'}`}
            </PostButton>
          ) : null}
        </>
      ) : null}
    </Card>
  );
}

/** A published or archived version's terms, read-only. */
function Definition({ plan }: { plan: CatalogPlanFragment }) {
  const format = useFormat();
  const { formatCredits, formatMoney, formatNumber } = format;
  const facts: Array<[string, string]> = [
    ['Key', plan.key],
    ['Tier', `${plan.tier} (rank ${plan.tierRank})`],
    ['Price', priceLabel(plan, format)],
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
              <span>{describeEntitlement(entitlement, format)}</span>
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
