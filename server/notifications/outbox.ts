import type { Knex } from 'knex';
import { Account } from '../accounts/Account';
import { Membership } from '../accounts/Membership';
import { User } from '../auth/User';
import { now } from '../clock';
import { Notification } from './Notification';

/**
 * Queues a notice to an account's billing contacts (its billing email, else its owners). Pass the
 * transaction of the change that causes it, so the notice exists exactly when the change does; a
 * `dedupeKey` makes repeats (a webhook delivered twice, a job run twice) a no-op.
 */
export async function enqueueAccountNotification({
  trx,
  accountId,
  kind,
  subject,
  bodyText,
  dedupeKey,
  sendAfter,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  kind: string;
  subject: string;
  bodyText: string;
  dedupeKey?: string;
  sendAfter?: Date;
}): Promise<number> {
  const recipients = await billingRecipients({ trx, accountId });
  if (recipients.length === 0) return 0;
  const rows = recipients.map((recipient) => ({
    accountId,
    kind,
    recipient,
    subject,
    bodyText,
    dedupeKey: dedupeKey ? `${dedupeKey}:${recipient}` : null,
    sendAfter: sendAfter ?? now(),
  }));
  // Plain knex rather than Objection: with ON CONFLICT DO NOTHING only the inserted rows come back.
  const inserted = await (trx ?? Notification.knex())(Notification.tableName)
    .insert(rows)
    .onConflict('dedupeKey')
    .ignore()
    .returning('id');
  return inserted.length;
}

async function billingRecipients({
  trx,
  accountId,
}: {
  trx?: Knex.Transaction;
  accountId: string;
}): Promise<string[]> {
  const account = await Account.query(trx).findById(accountId);
  if (!account) return [];
  if (account.billingEmail) return [account.billingEmail];
  const owners = await User.query(trx)
    .whereIn('id', Membership.query(trx).select('userId').where({ accountId, role: 'owner' }))
    .whereNull('deletedAt')
    .orderBy('email');
  return owners.map((owner) => owner.email);
}

/**
 * What a notice's one-time link is for. The link itself is never stored: it is created when the
 * message is sent (server/notifications/oneTimeLinks.ts), where the body says ONE_TIME_LINK.
 */
export type OneTimeLinkReference = { passwordResetTokenId: string } | { signUpRequestId: string };

/** Stands in a stored body for the link that sending puts there. */
export const ONE_TIME_LINK = '[one-time link, created when this message is sent]';

/** Queues a notice to one user (about their login rather than an account's billing), such as a reset link. */
export async function enqueueUserNotification({
  trx,
  userId,
  ...notice
}: {
  trx?: Knex.Transaction;
  userId: string;
  kind: string;
  subject: string;
  bodyText: string;
  link?: OneTimeLinkReference;
}): Promise<void> {
  const user = await User.query(trx).findById(userId).whereNull('deletedAt');
  if (!user) return;
  await enqueueAddressNotification({ trx, recipient: user.email, userId, ...notice });
}

/** Queues a notice to an address that need not have a login yet (the confirmation of a sign-up). */
export async function enqueueAddressNotification({
  trx,
  recipient,
  userId = null,
  kind,
  subject,
  bodyText,
  link,
}: {
  trx?: Knex.Transaction;
  recipient: string;
  userId?: string | null;
  kind: string;
  subject: string;
  bodyText: string;
  link?: OneTimeLinkReference;
}): Promise<void> {
  await (trx ?? Notification.knex())(Notification.tableName).insert({
    userId,
    kind,
    recipient,
    subject,
    bodyText,
    sendAfter: now(),
    passwordResetTokenId: link && 'passwordResetTokenId' in link ? link.passwordResetTokenId : null,
    signUpRequestId: link && 'signUpRequestId' in link ? link.signUpRequestId : null,
  });
}

/**
 * Queues one notice to each of the given addresses (not about any one account: platform admins, for
 * instance). The dedupe key names the cause; each recipient's copy is unique by it, so a repeat sends
 * nothing new. Returns how many were queued.
 */
export async function enqueueNotificationsTo({
  trx,
  recipients,
  kind,
  subject,
  bodyText,
  dedupeKey,
}: {
  trx?: Knex.Transaction;
  recipients: string[];
  kind: string;
  subject: string;
  bodyText: string;
  dedupeKey: string;
}): Promise<number> {
  if (recipients.length === 0) return 0;
  const inserted = await (trx ?? Notification.knex())(Notification.tableName)
    .insert(
      recipients.map((recipient) => ({
        kind,
        recipient,
        subject,
        bodyText,
        dedupeKey: `${dedupeKey}:${recipient}`,
        sendAfter: now(),
      })),
    )
    .onConflict('dedupeKey')
    .ignore()
    .returning('id');
  return inserted.length;
}

/** How many notices of these kinds went to an address since a moment (to cap what one form can send). */
export async function countNoticesTo({
  trx,
  recipient,
  kinds,
  since,
}: {
  trx?: Knex.Transaction;
  recipient: string;
  kinds: string[];
  since: Date;
}): Promise<number> {
  return Notification.query(trx)
    .whereRaw('lower(recipient) = lower(?)', [recipient])
    .whereIn('kind', kinds)
    .where('createdAt', '>', since)
    .resultSize();
}
