import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { SettingsNav } from '~/components/SettingsNav';
import { Card, PageHeader } from '~/components/ui';
import { MembersDocument } from '~/graphql/generated';
import { query, requireAccount } from '~/lib/api.server';
import { formatDate } from '~/lib/format';

export const meta: MetaFunction = () => [{ title: 'Members — Settings' }];

const ROLE_LABELS = { OWNER: 'Owner', ADMIN: 'Admin', MEMBER: 'Member' } as const;
const ROLE_HELP = {
  OWNER: 'Everything, including billing',
  ADMIN: 'Everything, including billing',
  MEMBER: 'Sees plan, usage and invoices; cannot change billing',
} as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const { account } = await query(context, request, MembersDocument, { accountId });
  return { account };
}

export default function Members() {
  const { account } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader title="Settings" description={account.name} />
      <SettingsNav />
      <Card title="Members">
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Members of {account.name}</caption>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Role</th>
                <th scope="col" className="hide-small">
                  Can
                </th>
                <th scope="col" className="hide-small">
                  Since
                </th>
              </tr>
            </thead>
            <tbody>
              {account.members.map((member) => (
                <tr key={member.user.id}>
                  <td>
                    {member.user.name ?? member.user.email}
                    {member.user.name ? <div className="muted small">{member.user.email}</div> : null}
                  </td>
                  <td>{ROLE_LABELS[member.role]}</td>
                  <td className="hide-small muted">{ROLE_HELP[member.role]}</td>
                  <td className="hide-small">{formatDate(member.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}
