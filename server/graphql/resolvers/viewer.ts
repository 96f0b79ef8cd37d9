import { listMembershipsOfUser } from '../../accounts/accounts';
import { revokeSession, signIn } from '../../auth/sessions';
import { NotFoundError } from '../../errors';
import type { Resolvers } from '../generated/resolvers';

export const viewerResolvers: Resolvers = {
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
  },
  Viewer: {
    user: async (viewer, _args, { loaders }) => {
      const user = await loaders.userById.load(viewer.userId);
      if (!user) throw new NotFoundError('User');
      return user;
    },
    memberships: (viewer) => listMembershipsOfUser({ userId: viewer.userId }),
  },
};
