import type { Knex } from 'knex';
import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { generateToken, hashToken } from '../auth/secrets';
import { User } from '../auth/User';
import { now } from '../clock';
import { NotFoundError, ValidationError } from '../errors';
import type { Notice } from '../notifications/notices';
import { accountLanguage, enqueueAddressNotification, ONE_TIME_LINK } from '../notifications/outbox';
import { settings } from '../settings';
import { parseInput } from '../validation';
import { Account } from './Account';
import { AccountInvitation } from './AccountInvitation';
import { withAccountLock } from './accountLock';
import { Membership, MEMBERSHIP_ROLES } from './Membership';
import { assertMayGrant } from './memberRoles';
import { assertSeatAvailable, openInvitations } from './seatAllowance';

/** How long an invitation's link works, counted from when it is sent. */
const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

const inviteInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254, 'is at most 254 characters')
    .pipe(z.email('is not an email address')),
  role: z.enum(MEMBERSHIP_ROLES, 'is not a role'),
});

/**
 * Invites a person by email to join the account with a role (owners and admins; only owners invite
 * owners). An open invitation to the same address is sent again with a fresh link (the old one stops
 * working) rather than duplicated. Refused for someone already a member, and when every seat is taken.
 */
export async function inviteMember({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof inviteInput>): Promise<AccountInvitation> {
  const { accountId, email, role } = parseInput(inviteInput, input);
  const account = await authorizeAccount({ actor, accountId, permission: 'account.manage' });
  await assertMayGrant({ actor, accountId, role });
  return withAccountLock(account.id, async ({ trx }) => {
    const member = await Membership.query(trx)
      .where({ accountId })
      .whereIn('userId', User.query(trx).select('id').whereRaw('lower(email) = ?', [email]))
      .first();
    if (member) throw ValidationError.forField('email', `${email} is already a member of ${account.name}`);
    const pending = await AccountInvitation.query(trx)
      .findOne({ accountId, email })
      .whereNull('acceptedAt')
      .whereNull('revokedAt');
    // Re-sending an owner's invitation changes it: an owner's to do.
    if (pending) await assertMayGrant({ trx, actor, accountId, role: pending.role });
    await assertSeatAvailable({ trx, accountId, excludeInvitationId: pending?.id });
    const fields = {
      role,
      invitedByUserId: actor.kind === 'user' ? actor.userId : null,
      tokenHash: null,
      expiresAt: new Date(now().getTime() + INVITATION_LIFETIME_MS),
    };
    const invitation = pending
      ? await AccountInvitation.query(trx).patchAndFetchById(pending.id, fields)
      : await AccountInvitation.query(trx).insertAndFetch({ accountId, email, ...fields });
    await enqueueAddressNotification({
      trx,
      recipient: email,
      accountId,
      notice: await invitationNotice({ trx, account, invitation }),
      link: { accountInvitationId: invitation.id },
      language: accountLanguage(account),
    });
    await recordAudit({
      trx,
      actor,
      accountId,
      action: pending ? 'member.invitation_resent' : 'member.invited',
      target: { type: 'account_invitation', id: invitation.id },
      details: { email, role },
    });
    return invitation;
  });
}

/** The notice that carries an invitation's link. */
export async function invitationNotice({
  trx,
  account,
  invitation,
}: {
  trx: Knex.Transaction;
  account: Account;
  invitation: AccountInvitation;
}): Promise<Notice> {
  const inviter = invitation.invitedByUserId
    ? await User.query(trx).findById(invitation.invitedByUserId)
    : undefined;
  return {
    kind: 'account.invitation',
    data: {
      inviterName: inviter ? (inviter.name ?? inviter.email) : null,
      email: invitation.email,
      accountName: account.name,
      role: invitation.role,
      link: ONE_TIME_LINK,
      days: INVITATION_LIFETIME_MS / 86_400_000,
    },
  };
}

/**
 * Creates the token of an invitation's link as its notice is being sent, replacing any token an earlier
 * sending created, and returns the link; null when the invitation is no longer open.
 */
export async function issueInvitationLink({
  trx,
  accountInvitationId,
}: {
  trx: Knex.Transaction;
  accountInvitationId: string;
}): Promise<string | null> {
  const token = generateToken();
  const issued = await AccountInvitation.query(trx)
    .findById(accountInvitationId)
    .whereNull('acceptedAt')
    .whereNull('revokedAt')
    .patch({ tokenHash: hashToken(token), expiresAt: new Date(now().getTime() + INVITATION_LIFETIME_MS) });
  return issued > 0 ? `${settings().publicUrl}/invitations/${token}` : null;
}

/** The account's invitations that may still be accepted, newest first (owners and admins). */
export async function listInvitations({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<AccountInvitation[]> {
  await authorizeAccount({ actor, accountId, permission: 'account.manage' });
  return openInvitations(undefined, accountId).orderBy('createdAt', 'desc');
}

/** Withdraws an open invitation: its link stops working and its seat is free again. */
export async function revokeInvitation({
  actor,
  invitationId,
}: {
  actor: Actor;
  invitationId: string;
}): Promise<AccountInvitation> {
  const id = parseInput(z.string().uuid('is not an invitation id'), invitationId);
  const found = await AccountInvitation.query().findById(id);
  if (!found) throw new NotFoundError('Invitation');
  await authorizeAccount({ actor, accountId: found.accountId, permission: 'account.manage' });
  await assertMayGrant({ actor, accountId: found.accountId, role: found.role });
  return AccountInvitation.transaction(async (trx) => {
    const revoked = await AccountInvitation.query(trx)
      .findById(id)
      .whereNull('acceptedAt')
      .whereNull('revokedAt')
      .patch({ revokedAt: now() });
    if (revoked === 0)
      throw ValidationError.forField('id', 'this invitation was already accepted or withdrawn');
    await recordAudit({
      trx,
      actor,
      accountId: found.accountId,
      action: 'member.invitation_revoked',
      target: { type: 'account_invitation', id },
      details: { email: found.email },
    });
    return AccountInvitation.query(trx).findById(id).throwIfNotFound();
  });
}

const tokenInput = z.string().trim().min(1, 'is required').max(200, 'is not an invitation link');

/** Why a link no longer works, in words the person holding it can act on. */
export function assertOpen(
  invitation: AccountInvitation | undefined,
): asserts invitation is AccountInvitation {
  const problem = !invitation
    ? 'this invitation link is not valid (a newer one may have been sent); ask for a new invitation'
    : invitation.acceptedAt
      ? 'this invitation was already accepted; sign in to reach the account'
      : invitation.revokedAt
        ? 'this invitation was withdrawn; ask for a new invitation'
        : invitation.expiresAt <= now()
          ? 'this invitation has expired; ask for a new invitation'
          : null;
  if (problem) throw ValidationError.forField('token', problem);
}

export interface InvitationPreview {
  invitation: AccountInvitation;
  accountName: string;
  invitedByName: string | null;
  /** Whether the invited address already has a login (to sign in rather than create one). */
  hasLogin: boolean;
}

/** What the link's page shows before accepting: which account, who invited, for which address. Public. */
export async function previewInvitation({ token }: { token: string }): Promise<InvitationPreview> {
  const invitation = await AccountInvitation.query().findOne({
    tokenHash: hashToken(parseInput(tokenInput, token)),
  });
  assertOpen(invitation);
  const [account, inviter, login] = await Promise.all([
    Account.query().findById(invitation.accountId).whereNull('deletedAt'),
    invitation.invitedByUserId ? User.query().findById(invitation.invitedByUserId) : undefined,
    User.query().whereRaw('lower(email) = ?', [invitation.email]).whereNull('deletedAt').first(),
  ]);
  if (!account) throw ValidationError.forField('token', 'the account of this invitation no longer exists');
  return {
    invitation,
    accountName: account.name,
    invitedByName: inviter ? (inviter.name ?? inviter.email) : null,
    hasLogin: Boolean(login),
  };
}
