import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { Card, EmptyState, NextPageLink, PageHeader, StatusBadge } from '~/components/ui';
import { AdminAccountsDocument, type SubscriptionStatus } from '~/graphql/generated';
import { query, requireAdmin } from '~/lib/api.server';
import { formatCredits, formatDate, statusLabel } from '~/lib/format';

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
  const planKeys = [...new Map(data.plans.map((plan) => [plan.key, plan.name])).entries()];
  return { accounts: data.adminAccounts, planKeys };
}

export default function AdminAccounts() {
  const { accounts, planKeys } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  return (
    <>
      <PageHeader title="Accounts" description={`${accounts.totalCount.toLocaleString('en-US')} matching`} />
      <Form method="get" className="card filters" role="search" style={{ marginBottom: '1rem' }}>
        <div className="field" style={{ flex: 2 }}>
          <label htmlFor="q">Search</label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={search.get('q') ?? ''}
            placeholder="Name, external id or email"
          />
        </div>
        <div className="field">
          <label htmlFor="plan">Plan</label>
          <select id="plan" name="plan" defaultValue={search.get('plan') ?? ''}>
            <option value="">Any plan</option>
            {planKeys.map(([key, name]) => (
              <option key={key} value={key}>
                {name} ({key})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={search.get('status') ?? ''}>
            <option value="">Any status</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {statusLabel(status)}
              </option>
            ))}
          </select>
        </div>
        <label className="checkbox">
          <input type="checkbox" name="pastDue" value="1" defaultChecked={search.get('pastDue') === '1'} />{' '}
          Past due only
        </label>
        <button type="submit" className="button button-primary">
          Search
        </button>
      </Form>
      <Card>
        {accounts.edges.length === 0 ? (
          <EmptyState>No account matches.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="number hide-small">
                    Credits
                  </th>
                  <th scope="col" className="hide-small">
                    Created
                  </th>
                </tr>
              </thead>
              <tbody>
                {accounts.edges.map(({ node: account }) => (
                  <tr key={account.id}>
                    <td>
                      <Link to={`/admin/accounts/${account.id}`}>{account.name}</Link>
                      <div className="muted small">{account.billingEmail ?? account.externalId ?? ''}</div>
                    </td>
                    <td>{account.subscription?.plan.name ?? '—'}</td>
                    <td>
                      {account.subscription ? <StatusBadge status={account.subscription.status} /> : '—'}
                      {account.subscription?.gracePeriodEndsAt ? (
                        <div className="small muted">
                          grace until {formatDate(account.subscription.gracePeriodEndsAt)}
                        </div>
                      ) : null}
                    </td>
                    <td className="number hide-small">{formatCredits(account.creditBalance.milliCredits)}</td>
                    <td className="hide-small nowrap">{formatDate(account.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <NextPageLink
          endCursor={accounts.pageInfo.endCursor}
          hasNextPage={accounts.pageInfo.hasNextPage}
          search={search}
        />
      </Card>
    </>
  );
}
