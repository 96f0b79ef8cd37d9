import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { SettingsNav } from '~/components/SettingsNav';
import { DataTable, type Column } from '~/components/DataTable';
import { Card, PageHeader } from '~/components/ui';
import { MembersDocument, type MembersQuery } from '~/graphql/generated';
import { query, requireAccount } from '~/lib/api.server';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

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
  const format = useFormat();
  const { account } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader title="Settings" description={account.name} />
      <SettingsNav />
      <Card title="Members">
        <DataTable
          caption={`Members of ${account.name}`}
          columns={COLUMNS(format)}
          rows={account.members}
          rowKey={(member) => member.user.id}
          empty="No members."
        />
      </Card>
    </>
  );
}

const COLUMNS = ({ formatDate }: Formatter): Array<Column<MembersQuery['account']['members'][number]>> => [
  {
    header: 'Person',
    cell: (member) => (
      <>
        {member.user.name ?? member.user.email}
        {member.user.name ? <div className="muted small">{member.user.email}</div> : null}
      </>
    ),
  },
  { header: 'Role', cell: (member) => ROLE_LABELS[member.role] },
  { header: 'Can', hideOnPhone: true, tone: () => 'muted', cell: (member) => ROLE_HELP[member.role] },
  { header: 'Since', hideOnPhone: true, cell: (member) => formatDate(member.createdAt) },
];
