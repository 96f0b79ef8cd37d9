import { updateAccountSettings } from '../../accounts/accountSettings';
import { getAccount, upsertAccount } from '../../accounts/accounts';
import { listAccountMembers } from '../../accounts/members';
import { confirmSignUp, requestSignUp } from '../../accounts/signUp';
import { NotFoundError } from '../../errors';
import { withAccountId } from '../accountReference';
import type { Resolvers } from '../generated/resolvers';
import { loadFound } from '../loaders';

export const accountResolvers: Resolvers = {
  Query: {
    account: (_parent, { id, externalId }, { actor }) => getAccount({ actor, accountId: id, externalId }),
  },
  Mutation: {
    upsertAccount: (_parent, { input }, { actor }) => upsertAccount({ actor, ...input }),
    updateAccountSettings: async (_parent, { input }, { actor }) =>
      updateAccountSettings({ actor, ...(await withAccountId(actor, input)) }),
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
  },
  Account: {
    members: (account, _args, { actor }) => listAccountMembers({ actor, accountId: account.id }),
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
