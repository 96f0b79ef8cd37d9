import { listAccountMembers } from '../../accounts/members';
import { confirmSignUp, requestSignUp } from '../../accounts/signUp';
import { requestPasswordReset, resetPassword } from '../../auth/passwordReset';
import { NotFoundError } from '../../errors';
import type { Resolvers } from '../generated/resolvers';

/** Sign-up, password reset and an account's members: what the web app adds for its own visitors. */
export const signUpResolvers: Resolvers = {
  Mutation: {
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
    requestPasswordReset: async (_parent, { email }, { throttle }) => {
      await throttle('passwordReset');
      await requestPasswordReset({ email });
      return true;
    },
    resetPassword: async (_parent, { input }) => {
      await resetPassword(input);
      return true;
    },
  },
  Account: {
    members: (account, _args, { actor }) => listAccountMembers({ actor, accountId: account.id }),
  },
  AccountMember: {
    user: async (membership, _args, { loaders }) => {
      const user = await loaders.userById.load(membership.userId);
      if (!user) throw new NotFoundError('User');
      return user;
    },
  },
};
