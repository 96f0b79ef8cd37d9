import { listMembershipsOfUser } from '../../accounts/accounts';
import { requestPasswordReset, resetPassword } from '../../auth/passwordReset';
import { updateMyPreferences } from '../../auth/preferences';
import { requireUser } from '../../auth/authorization';
import { revokeSession, signIn } from '../../auth/sessions';
import type { Resolvers } from '../generated/resolvers';
import { loadFound } from '../loaders';

export const authResolvers: Resolvers = {
  Query: {
    viewer: (_parent, _args, { actor }) => (actor.kind === 'user' ? actor : null),
  },
  Mutation: {
    signIn: async (_parent, { input }, { sessionCookie, throttle }) => {
      await throttle('signIn');
      const session = await signIn(input);
      sessionCookie.issue(session);
      return { user: session.user };
    },
    signOut: async (_parent, _args, { actor, sessionCookie }) => {
      if (actor.kind === 'user' && actor.sessionId) await revokeSession({ sessionId: actor.sessionId });
      sessionCookie.clear();
      return true;
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
    updateMyPreferences: async (_parent, { input }, { actor, loaders }) => {
      const user = await updateMyPreferences({ actor, locale: input.locale ?? null });
      requireUser(actor);
      loaders.userById.clear(user.id).prime(user.id, user);
      return actor;
    },
  },
  Viewer: {
    user: (viewer, _args, { loaders }) => loadFound(loaders.userById, viewer.userId, 'User'),
    memberships: (viewer) => listMembershipsOfUser({ userId: viewer.userId }),
    locale: async (viewer, _args, { loaders }) =>
      (await loadFound(loaders.userById, viewer.userId, 'User')).locale,
  },
};
