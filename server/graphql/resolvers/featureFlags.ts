import { listFeatureFlags, setFeatureFlag } from '../../featureFlags/featureFlags';
import { listNotifications } from '../../notifications/outboxLog';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';

const SECRET_BEARING_KINDS = new Set(['auth.password_reset']);

/** Platform operations: feature flags and the notifications outbox. */
export const featureFlagResolvers: Resolvers = {
  Query: {
    featureFlags: (_parent, _args, { actor }) => listFeatureFlags({ actor }),
    notifications: (_parent, args, { actor }) => listNotifications({ actor, ...args }),
  },
  Notification: {
    // A sign-in link in a password reset would let whoever reads it take over the login.
    bodyText: (notification) =>
      SECRET_BEARING_KINDS.has(notification.kind)
        ? '[hidden: this message carries a one-time sign-in link]'
        : notification.bodyText,
  },
  NotificationConnection: connectionResolvers(),
  Mutation: {
    setFeatureFlag: (_parent, { key, enabled }, { actor }) => setFeatureFlag({ actor, key, enabled }),
  },
};
