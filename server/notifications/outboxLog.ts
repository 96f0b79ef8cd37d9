import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { paginateNewestFirst, type Page } from '../pagination';
import { Notification, type NotificationStatus } from './Notification';

export type NotificationPage = Page<Notification>;

/** The notifications outbox, newest first, for platform admins: what was sent, skipped or failed. */
export async function listNotifications({
  actor,
  first,
  after,
  status,
  accountId,
}: {
  actor: Actor;
  first?: number | null;
  after?: string | null;
  status?: NotificationStatus | null;
  accountId?: string | null;
}): Promise<NotificationPage> {
  requirePlatformAdmin(actor);
  const query = Notification.query();
  if (status) query.where({ status });
  if (accountId) query.where({ accountId });
  return paginateNewestFirst({
    query,
    timestampColumn: 'notifications.created_at',
    timestampOf: (notification) => notification.createdAt,
    first,
    after,
  });
}

/** A sign-in link in a password reset would let whoever reads it take over the login. */
const SECRET_BEARING_KINDS = new Set(['auth.password_reset']);

/** A notice's body as the outbox shows it to admins: hidden for kinds that carry a one-time link. */
export function readableBody(notification: Pick<Notification, 'kind' | 'bodyText'>): string {
  return SECRET_BEARING_KINDS.has(notification.kind)
    ? '[hidden: this message carries a one-time sign-in link]'
    : notification.bodyText;
}
