import { listNotifications, readableBody } from '../../notifications/outboxLog';
import { withOptionalAccountId } from '../accountReference';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';

export const notificationResolvers: Resolvers = {
  Query: {
    notifications: async (_parent, args, { actor }) =>
      listNotifications({ actor, ...(await withOptionalAccountId(actor, args)) }),
  },
  Notification: {
    bodyText: (notification) => readableBody(notification),
  },
  NotificationConnection: connectionResolvers(),
  NotificationStatus: { PENDING: 'pending', SENT: 'sent', FAILED: 'failed', SKIPPED: 'skipped' },
};
