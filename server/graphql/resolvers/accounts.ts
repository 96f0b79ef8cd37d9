import { updateAccountSettings } from '../../accounts/accountSettings';
import { getAccount, upsertAccount } from '../../accounts/accounts';
import { acceptInvitation } from '../../accounts/invitationAcceptance';
import {
  inviteMember,
  listInvitations,
  previewInvitation,
  revokeInvitation,
} from '../../accounts/invitations';
import { changeMemberRole, leaveAccount, listAccountMembers, removeMember } from '../../accounts/members';
import { confirmSignUp, requestSignUp } from '../../accounts/signUp';
import { NotFoundError } from '../../errors';
import { withAccountId } from '../accountReference';
import type { Resolvers } from '../generated/resolvers';
import { loadFound } from '../loaders';

export const accountResolvers: Resolvers = {
  Query: {
    account: (_parent, { id, externalId }, { actor }) => getAccount({ actor, accountId: id, externalId }),
    invitation: (_parent, { token }) => previewInvitation({ token }),
  },
  Mutation: {
    upsertAccount: (_parent, { input }, { actor }) => upsertAccount({ actor, ...input }),
    updateAccountSettings: async (_parent, { input }, { actor }) => {
      const { timeZone, ...rest } = await withAccountId(actor, input);
      // A time zone cannot be cleared: null means "unchanged", as leaving it out does.
      return updateAccountSettings({ actor, ...rest, timeZone: timeZone ?? undefined });
    },
    signUp: async (_parent, { input }, { throttle }) => {
      await throttle('signUp');
      await requestSignUp(input);
      return true;
    },
    confirmSignUp: async (_parent, { token }, context) => {
      const session = await confirmSignUp({ actor: context.actor, token });
      context.sessionCookie.issue(session);
      // The caller is now the new account's owner: the payload (its account's plan, its name) is read as
      // that user, exactly as the next request, carrying the new cookie, will be.
      context.actor = {
        kind: 'user',
        userId: session.user.id,
        sessionId: null,
        isPlatformAdmin: session.user.isPlatformAdmin,
      };
      return { user: session.user, account: session.account };
    },
    inviteMember: (_parent, { input }, { actor }) => inviteMember({ actor, ...input }),
    revokeInvitation: (_parent, { id }, { actor }) => revokeInvitation({ actor, invitationId: id }),
    acceptInvitation: async (_parent, { input }, context) => {
      const accepted = await acceptInvitation({ actor: context.actor, ...input });
      if (accepted.session) {
        context.sessionCookie.issue(accepted.session);
        // The payload is read as the new member, as the next request, carrying the new cookie, will be.
        context.actor = { kind: 'user', userId: accepted.user.id, sessionId: null, isPlatformAdmin: false };
      }
      return accepted;
    },
    changeMemberRole: (_parent, { input }, { actor }) => changeMemberRole({ actor, ...input }),
    removeMember: async (_parent, { input }, { actor }) => {
      await removeMember({ actor, ...input });
      return true;
    },
    leaveAccount: async (_parent, { accountId }, { actor }) => {
      await leaveAccount({ actor, accountId });
      return true;
    },
  },
  Account: {
    members: (account, _args, { actor }) => listAccountMembers({ actor, accountId: account.id }),
    invitations: (account, _args, { actor }) => listInvitations({ actor, accountId: account.id }),
  },
  AccountInvitation: {
    invitedBy: async (invitation, _args, { loaders }) =>
      invitation.invitedByUserId ? ((await loaders.userById.load(invitation.invitedByUserId)) ?? null) : null,
  },
  InvitationPreview: {
    email: (preview) => preview.invitation.email,
    role: (preview) => preview.invitation.role,
    expiresAt: (preview) => preview.invitation.expiresAt,
  },
  AcceptInvitationPayload: {
    role: (accepted) => accepted.membership.role,
  },
  Membership: {
    account: async (membership, _args, { loaders }) => {
      const account = await loadFound(loaders.accountById, membership.accountId, 'Account');
      if (account.deletedAt) throw new NotFoundError('Account');
      return account;
    },
  },
  AccountMember: {
    user: (membership, _args, { loaders }) => loadFound(loaders.userById, membership.userId, 'User'),
  },
  MembershipRole: { OWNER: 'owner', ADMIN: 'admin', MEMBER: 'member' },
};
