import { useEffect, useRef } from 'react';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { SettingsNav } from '~/components/SettingsNav';
import { DataTable, type Column } from '~/components/DataTable';
import { ConfirmStep, Field, FormError, Notice, PostButton, SelectField } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import {
  ChangeMemberRoleDocument,
  InviteMemberDocument,
  LeaveAccountDocument,
  MemberInvitationsDocument,
  MembersDocument,
  type MemberInvitationsQuery,
  type MembershipRole,
  type MembersQuery,
  RemoveMemberDocument,
  RevokeInvitationDocument,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAccount } from '~/lib/api.server';
import { asksConfirmation, confirmationNeeded } from '~/lib/confirmation';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Members — Settings' }];

const ROLE_LABELS = { OWNER: 'Owner', ADMIN: 'Admin', MEMBER: 'Member' } as const;
const ROLE_HELP = {
  OWNER: 'Everything, including billing',
  ADMIN: 'Everything, including billing',
  MEMBER: 'Sees plan, usage and invoices; cannot change billing',
} as const;
const ROLES = Object.keys(ROLE_LABELS) as MembershipRole[];

type Member = MembersQuery['account']['members'][number];
type Invitation = MemberInvitationsQuery['account']['invitations'][number];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId, role, viewer } = await requireAccount(context, request);
  const { account } = await query(context, request, MembersDocument, { accountId });
  const manages = role !== 'MEMBER';
  const invitations = manages
    ? (await query(context, request, MemberInvitationsDocument, { accountId })).account.invitations
    : null;
  return { account, invitations, role, userId: viewer.user.id };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const form = await request.formData();
  const intent = field(form, 'intent');
  const who = field(form, 'name') || 'this person';
  if (intent === 'invite') {
    const role = field(form, 'role') as MembershipRole;
    if (!ROLES.includes(role)) return invalid({ role: 'Choose a role.' });
    const outcome = await mutate(context, request, InviteMemberDocument, {
      input: { accountId, email: field(form, 'email'), role },
    });
    return outcome.ok ? done(`Invitation sent to ${outcome.data.inviteMember.email}.`) : outcome;
  }
  if (intent === 'role') {
    const role = field(form, 'role') as MembershipRole;
    if (!ROLES.includes(role)) return invalid({ role: 'Choose a role.' });
    const outcome = await mutate(context, request, ChangeMemberRoleDocument, {
      input: { accountId, userId: field(form, 'userId'), role },
    });
    return outcome.ok ? done(`${who} is now ${ROLE_LABELS[role].toLowerCase()}.`) : outcome;
  }
  if (intent === 'revoke') {
    const confirm = confirmationNeeded(form, {
      question: `Withdraw the invitation to ${who}?`,
      consequence: 'Its link stops working; you can invite them again later.',
      action: 'Yes, withdraw it',
    });
    if (confirm) return confirm;
    const outcome = await mutate(context, request, RevokeInvitationDocument, { id: field(form, 'id') });
    return outcome.ok ? done(`The invitation to ${who} was withdrawn.`) : outcome;
  }
  if (intent === 'remove') {
    const confirm = confirmationNeeded(form, {
      question: `Remove ${who} from the account?`,
      consequence: 'They lose access at once; they can only come back with a new invitation.',
      action: 'Yes, remove them',
    });
    if (confirm) return confirm;
    const outcome = await mutate(context, request, RemoveMemberDocument, {
      input: { accountId, userId: field(form, 'userId') },
    });
    return outcome.ok ? done(`${who} was removed.`) : outcome;
  }
  if (intent === 'leave') {
    const confirm = confirmationNeeded(form, {
      question: 'Leave this account?',
      consequence: 'You lose access at once; only a new invitation lets you back in.',
      action: 'Yes, leave the account',
    });
    if (confirm) return confirm;
    const outcome = await mutate(context, request, LeaveAccountDocument, { accountId });
    return outcome.ok ? safeRedirect('/billing') : outcome;
  }
  return invalid({}, 'Unknown action.');
}

const done = (message: string) => ({ ok: true as const, message });

export default function Members() {
  const format = useFormat();
  const COLUMNS = memberColumns(format);
  const INVITATION_COLUMNS = invitationColumns(format);
  const { account, invitations, role, userId } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const confirm = asksConfirmation(result) ? result.confirm : null;
  const outcome = asksConfirmation(result) ? undefined : result;
  const failure = outcome && !outcome.ok ? outcome : null;
  const manages = invitations !== null;
  const soleOwner =
    role === 'OWNER' && account.members.filter((member) => member.role === 'OWNER').length === 1;
  // A sent invitation empties the form for the next one (the address stays when it was refused).
  const inviteForm = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (outcome?.ok) inviteForm.current?.reset();
  }, [outcome]);
  // Owners appoint owners; admins manage admins and members (the API refuses the rest).
  const grantable = ROLES.filter((candidate) => role === 'OWNER' || candidate !== 'OWNER');
  const mayChange = (member: Member) =>
    manages && member.user.id !== userId && (role === 'OWNER' || member.role !== 'OWNER');
  const columns: Array<Column<Member>> = manages
    ? [
        COLUMNS[0]!,
        {
          header: 'Role',
          cell: (member) =>
            mayChange(member) ? (
              <Form method="post" className="inline">
                <input type="hidden" name="intent" value="role" />
                <input type="hidden" name="userId" value={member.user.id} />
                <input type="hidden" name="name" value={nameOf(member)} />
                <select name="role" defaultValue={member.role} aria-label={`Role of ${nameOf(member)}`}>
                  {grantable.map((candidate) => (
                    <option key={candidate} value={candidate}>
                      {ROLE_LABELS[candidate]}
                    </option>
                  ))}
                </select>{' '}
                <button type="submit" className="button button-small" disabled={busy}>
                  Change<span className="visually-hidden"> the role of {nameOf(member)}</span>
                </button>
              </Form>
            ) : (
              ROLE_LABELS[member.role]
            ),
        },
        ...COLUMNS.slice(2),
        {
          header: 'Actions',
          headerHidden: true,
          cell: (member) =>
            mayChange(member) ? (
              <PostButton
                fields={{ intent: 'remove', userId: member.user.id, name: nameOf(member) }}
                className="button button-danger button-small"
                disabled={busy}
              >
                Remove<span className="visually-hidden"> {nameOf(member)}</span>
              </PostButton>
            ) : null,
        },
      ]
    : COLUMNS;
  return (
    <>
      <PageHeader title="Settings" description={account.name} />
      <SettingsNav />
      {confirm ? <ConfirmStep request={confirm} busy={busy} /> : null}
      {outcome?.ok ? <Notice tone="success">{outcome.message}</Notice> : null}
      <FormError message={failure && !failure.fieldErrors.email ? failure.formError : null} />
      <Card title="Members">
        <DataTable
          caption={`Members of ${account.name}`}
          columns={columns}
          rows={account.members}
          rowKey={(member) => member.user.id}
          empty="No members."
        />
        {soleOwner ? (
          <p className="muted small">
            You are the only owner: make someone else an owner before you can leave.
          </p>
        ) : (
          <PostButton fields={{ intent: 'leave' }} className="button button-small" disabled={busy}>
            Leave account
          </PostButton>
        )}
      </Card>
      {manages ? (
        <div className="grid-2">
          <Card title="Invite someone">
            <Form method="post" ref={inviteForm}>
              <input type="hidden" name="intent" value="invite" />
              <Field
                label="Email"
                name="email"
                type="email"
                required
                maxLength={254}
                error={failure?.fieldErrors.email}
              />
              <SelectField
                label="Role"
                name="role"
                defaultValue="MEMBER"
                options={grantable.map((candidate) => ({ value: candidate, label: ROLE_LABELS[candidate] }))}
                hint="They get a link by email that works for 7 days."
                error={failure?.fieldErrors.role}
              />
              <button type="submit" className="button button-primary" disabled={busy}>
                Send invitation
              </button>
            </Form>
          </Card>
          <Card title="Pending invitations">
            <DataTable
              caption="Pending invitations"
              columns={[
                ...INVITATION_COLUMNS,
                {
                  header: 'Actions',
                  headerHidden: true,
                  cell: (invitation) =>
                    role === 'OWNER' || invitation.role !== 'OWNER' ? (
                      <PostButton
                        fields={{ intent: 'revoke', id: invitation.id, name: invitation.email }}
                        className="button button-danger button-small"
                        disabled={busy}
                      >
                        Withdraw<span className="visually-hidden"> the invitation to {invitation.email}</span>
                      </PostButton>
                    ) : null,
                },
              ]}
              rows={invitations}
              rowKey={(invitation) => invitation.id}
              empty="No pending invitations."
            />
          </Card>
        </div>
      ) : null}
    </>
  );
}

const nameOf = (member: Member) => member.user.name ?? member.user.email;

const memberColumns = ({ formatDate }: Formatter): Array<Column<Member>> => [
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

const invitationColumns = ({ formatDate }: Formatter): Array<Column<Invitation>> => [
  { header: 'Email', cell: (invitation) => invitation.email },
  { header: 'Role', cell: (invitation) => ROLE_LABELS[invitation.role] },
  { header: 'Until', hideOnPhone: true, cell: (invitation) => formatDate(invitation.expiresAt) },
];
