import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DataTable } from '~/components/DataTable';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import { AdminCatalogDocument, type CatalogPlanFragment } from '~/graphql/generated';
import { query, requireAdmin } from '~/lib/api.server';
import { planGroups, priceLabel } from '~/lib/catalog';
import { intervalLabel } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

export const meta: MetaFunction = () => [{ title: 'Catalog — Admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return query(context, request, AdminCatalogDocument, {});
}

export default function Catalog() {
  const format = useFormat();
  const { formatCredits, formatMoney, formatNumber } = format;
  const { plans, meters, creditPackages } = useLoaderData<typeof loader>();
  const groups = planGroups(plans);
  return (
    <>
      <PageHeader
        title="Catalog"
        description="Every version of every plan. A draft is never sold; publishing puts it on sale as its key's next version, and the subscribers of earlier versions keep theirs."
        actions={
          <Link to="/admin/catalog/new" className="button button-primary">
            New plan
          </Link>
        }
      />
      {groups.length === 0 ? (
        <Card>
          <p className="empty">
            No plans yet. Create the free plan new accounts start on first, then the plans you sell.
          </p>
        </Card>
      ) : null}
      {groups.map(({ key, versions }) => (
        <Card
          key={key}
          title={
            <>
              {versions[0]!.name} <code>{key}</code>
            </>
          }
          className="section"
        >
          <DataTable<CatalogPlanFragment>
            caption={`Versions of ${key}`}
            rows={versions}
            rowKey={(plan) => plan.id}
            empty="No versions."
            columns={[
              {
                header: 'Version',
                cell: (plan) => (
                  <Link to={`/admin/catalog/${plan.id}`} aria-label={`Version ${plan.version} of ${key}`}>
                    {`v${plan.version}`}
                  </Link>
                ),
                nowrap: true,
              },
              { header: 'Name', cell: (plan) => plan.name },
              { header: 'Status', cell: (plan) => <StatusBadge status={plan.status} /> },
              {
                header: 'On sale',
                cell: (plan) =>
                  plan.active ? (
                    <span className="badge badge-good">On sale</span>
                  ) : (
                    <span className="muted">No</span>
                  ),
              },
              { header: 'Price', cell: (plan) => priceLabel(plan, format), numeric: true, nowrap: true },
              {
                header: 'Interval',
                cell: (plan) =>
                  plan.interval === 'LIFETIME' ? 'Once' : `Per ${intervalLabel(plan.interval)}`,
                hideOnPhone: true,
              },
              {
                header: 'Subscribers',
                cell: (plan) => (
                  <span data-testid={`subscribers-${plan.id}`}>{formatNumber(plan.subscriberCount)}</span>
                ),
                numeric: true,
              },
            ]}
          />
        </Card>
      ))}

      <h2 className="section-heading">Meters</h2>
      <p>
        <Link to="/admin/catalog/meters">Manage meters</Link>: create one, edit it, archive it.
      </p>
      <Card>
        <DataTable
          caption="Meters"
          rows={meters}
          rowKey={(meter) => meter.id}
          empty="No meters: usage cannot be recorded yet."
          columns={[
            { header: 'Key', cell: (meter) => <code>{meter.key}</code> },
            { header: 'Name', cell: (meter) => meter.name },
            { header: 'Adds up', cell: (meter) => meter.aggregation.toLowerCase().replace('_', ' ') },
            { header: 'Unit', cell: (meter) => meter.unit },
            {
              header: 'Credits per unit',
              cell: (meter) =>
                meter.creditCostMilliCredits === null ? '—' : formatCredits(meter.creditCostMilliCredits),
              numeric: true,
            },
          ]}
        />
      </Card>

      <h2 className="section-heading">Credit packages</h2>
      <p>
        <Link to="/admin/catalog/credit-packages">Manage credit packages</Link>: create one, change its price,
        choose what automatic top-up may buy, withdraw it.
      </p>
      <Card>
        <DataTable
          caption="Credit packages"
          rows={creditPackages}
          rowKey={(creditPackage) => creditPackage.id}
          empty="No credit packages on sale."
          columns={[
            { header: 'Key', cell: (creditPackage) => <code>{creditPackage.key}</code> },
            { header: 'Name', cell: (creditPackage) => creditPackage.name },
            {
              header: 'Credits',
              cell: (creditPackage) => formatCredits(creditPackage.milliCredits),
              numeric: true,
            },
            { header: 'Price', cell: (creditPackage) => formatMoney(creditPackage.price), numeric: true },
            {
              header: 'Sold',
              cell: (creditPackage) =>
                [
                  creditPackage.availableForPurchase ? 'Checkout' : null,
                  creditPackage.availableForAutoTopUp ? 'automatic top-up' : null,
                ]
                  .filter(Boolean)
                  .join(', ') || 'Not sold',
            },
          ]}
        />
      </Card>
    </>
  );
}
