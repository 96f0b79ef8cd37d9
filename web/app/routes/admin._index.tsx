import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { EmptyState } from '~/components/EmptyState';
import { Notice } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import { AdminOverviewDocument } from '~/graphql/generated';
import { query, requireAdmin } from '~/lib/api.server';
import { useFormat } from '~/lib/formatContext';

export const meta: MetaFunction = () => [{ title: 'Admin — Billing' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return query(context, request, AdminOverviewDocument, {});
}

/** The first screen of the console answers "who is past due?" and "is anything failing?". */
export default function AdminOverview() {
  const { formatDate, formatDateTime, formatNumber } = useFormat();
  const { pastDue, all, failedEvents, reconciliation, catalog } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader title="Admin console" />
      <NoDefaultPlanNotice plans={catalog} />
      <div className="stat-grid">
        <Card className="stat" title="Accounts">
          <p className="big-number">{formatNumber(all.totalCount)}</p>
          <Link to="/admin/accounts">Browse accounts →</Link>
        </Card>
        <Card className="stat" title="Past due">
          <p className={`big-number ${pastDue.totalCount > 0 ? 'negative' : ''}`}>
            {formatNumber(pastDue.totalCount)}
          </p>
          <Link to="/admin/accounts?pastDue=1">See who →</Link>
        </Card>
        <Card className="stat" title="Failed Stripe events">
          <p className={`big-number ${failedEvents.edges.length > 0 ? 'negative' : ''}`}>
            {failedEvents.edges.length === 5 ? '5+' : failedEvents.edges.length}
          </p>
          <Link to="/admin/events?status=FAILED">Review →</Link>
        </Card>
        <Card className="stat" title="The books">
          <p className={`big-number ${reconciliation && !reconciliation.balanced ? 'negative' : ''}`}>
            {!reconciliation
              ? 'Not checked'
              : reconciliation.balanced
                ? 'Balanced'
                : `${reconciliation.differences.length} ${reconciliation.differences.length === 1 ? 'difference' : 'differences'}`}
          </p>
          {reconciliation ? (
            <p className="muted small">checked {formatDateTime(reconciliation.finishedAt)}</p>
          ) : null}
          <Link to="/admin/health#books">
            {reconciliation && !reconciliation.balanced ? 'See what differs →' : 'Check now →'}
          </Link>
        </Card>
      </div>
      <Card title="Past due accounts" footer={<Link to="/admin/revenue">Revenue metrics →</Link>}>
        {pastDue.edges.length === 0 ? (
          <EmptyState>No account is past due.</EmptyState>
        ) : (
          <ul>
            {pastDue.edges.map(({ node }) => (
              <li key={node.id}>
                <Link to={`/admin/accounts/${node.id}`}>{node.name}</Link> — {node.subscription?.plan.name}
                {node.subscription?.gracePeriodEndsAt
                  ? `, grace period ends ${formatDate(node.subscription.gracePeriodEndsAt)}`
                  : ''}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}

/**
 * A fresh install starts with an empty catalog, and every new account starts on the default plan: until
 * there is one, sign-ups and partner provisioning fail with NO_DEFAULT_PLAN. Nothing else says so here.
 */
function NoDefaultPlanNotice({ plans }: { plans: Array<{ isDefault: boolean }> }) {
  if (plans.some((plan) => plan.isDefault)) return null;
  return (
    <Notice tone="warning">
      <span id="catalog-notice">
        {plans.length === 0
          ? 'The catalog is empty, so nobody can sign up and partners cannot create accounts yet.'
          : 'No plan is the default, so nobody can sign up and partners cannot create accounts yet.'}
      </span>{' '}
      Every new account starts on the default plan: create a free plan draft with <code>isDefault: true</code>{' '}
      and publish it through the catalog API (<code>createPlanDraft</code>, <code>publishPlan</code>), or
      start the service once with SEED_DEMO_DATA=true to load the demo catalog.
    </Notice>
  );
}
