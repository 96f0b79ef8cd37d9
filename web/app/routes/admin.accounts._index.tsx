import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { FilterForm } from '~/components/Filters';
import { Field, SelectField } from '~/components/forms';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import { AdminAccountsDocument, type AdminAccountsQuery, type SubscriptionStatus } from '~/graphql/generated';
import { query, requireAdmin } from '~/lib/api.server';
import { statusLabel } from '~/lib/format';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

export const meta: MetaFunction = () => [{ title: 'Accounts — Admin' }];

const STATUSES: SubscriptionStatus[] = ['ACTIVE', 'TRIALING', 'PAST_DUE', 'INCOMPLETE', 'PAUSED'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const search = new URL(request.url).searchParams;
  const status = search.get('status') as SubscriptionStatus | null;
  const data = await query(context, request, AdminAccountsDocument, {
    search: search.get('q') || null,
    planKey: search.get('plan') || null,
    status: status && STATUSES.includes(status) ? status : null,
    pastDue: search.get('pastDue') === '1' ? true : null,
    after: search.get('after'),
  });
  // Every key an account can be on: drafts have never been sold, so nobody is on one.
  const sold = data.plans.filter((plan) => plan.status !== 'DRAFT');
  const planKeys = [...new Map(sold.map((plan) => [plan.key, plan.name])).entries()];
  return { accounts: data.adminAccounts, planKeys };
}

export default function AdminAccounts() {
  const format = useFormat();
  const { accounts, planKeys } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  return (
    <>
      <PageHeader title="Accounts" description={`${format.formatNumber(accounts.totalCount)} matching`} />
      <FilterForm submitLabel="Search" primary search>
        <Field
          label="Search"
          name="q"
          id="q"
          type="search"
          className="field-wide"
          defaultValue={search.get('q') ?? ''}
          placeholder="Name, external id or email"
        />
        <SelectField
          label="Plan"
          name="plan"
          id="plan"
          defaultValue={search.get('plan') ?? ''}
          options={[
            { value: '', label: 'Any plan' },
            ...planKeys.map(([key, name]) => ({ value: key, label: `${name} (${key})` })),
          ]}
        />
        <SelectField
          label="Status"
          name="status"
          id="status"
          defaultValue={search.get('status') ?? ''}
          options={[
            { value: '', label: 'Any status' },
            ...STATUSES.map((status) => ({ value: status, label: statusLabel(status) })),
          ]}
        />
        <label className="checkbox">
          <input type="checkbox" name="pastDue" value="1" defaultChecked={search.get('pastDue') === '1'} />{' '}
          Past due only
        </label>
      </FilterForm>
      <Card>
        <DataTable
          caption="Accounts"
          columns={COLUMNS(format)}
          rows={accounts.edges.map(({ node }) => node)}
          rowKey={(account) => account.id}
          empty="No account matches."
          pageInfo={accounts.pageInfo}
        />
      </Card>
    </>
  );
}

type Account = AdminAccountsQuery['adminAccounts']['edges'][number]['node'];

const COLUMNS = ({ formatCredits, formatDate }: Formatter): Array<Column<Account>> => [
  {
    header: 'Account',
    cell: (account) => (
      <>
        <Link to={`/admin/accounts/${account.id}`}>{account.name}</Link>
        <div className="muted small identifier">{account.billingEmail ?? account.externalId ?? ''}</div>
      </>
    ),
  },
  { header: 'Plan', cell: (account) => account.subscription?.plan.name ?? '—' },
  {
    header: 'Status',
    cell: (account) => (
      <>
        {account.subscription ? <StatusBadge status={account.subscription.status} /> : '—'}
        {account.subscription?.gracePeriodEndsAt ? (
          <div className="small muted">grace until {formatDate(account.subscription.gracePeriodEndsAt)}</div>
        ) : null}
      </>
    ),
  },
  {
    header: 'Credits',
    numeric: true,
    hideOnPhone: true,
    cell: (account) => formatCredits(account.creditBalance.milliCredits),
  },
  { header: 'Created', hideOnPhone: true, nowrap: true, cell: (account) => formatDate(account.createdAt) },
];
