import { listNotifications, readableBody } from '../../notifications/outboxLog';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';

export const notificationResolvers: Resolvers = {
  Query: {
    notifications: (_parent, args, { actor }) => listNotifications({ actor, ...args }),
  },
  Notification: {
    bodyText: (notification) => readableBody(notification),
  },
  NotificationConnection: connectionResolvers(),
  NotificationStatus: { PENDING: 'pending', SENT: 'sent', FAILED: 'failed', SKIPPED: 'skipped' },
};
