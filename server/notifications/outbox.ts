import type { Knex } from 'knex';
import { Account } from '../accounts/Account';
import { Membership } from '../accounts/Membership';
import { User } from '../auth/User';
import { now } from '../clock';
import { Notification } from './Notification';
import type { Notice } from './notices';
import { renderNotice, type RenderOptions } from './rendering';

/**
 * Queues a notice to an account's billing contacts (its billing email, else its owners), rendered from
 * its template in the account's language. Pass the transaction of the change that causes it, so the
 * notice exists exactly when the change does; a `dedupeKey` makes repeats (a webhook delivered twice, a
 * job run twice) a no-op.
 */
export async function enqueueAccountNotification({
  trx,
  accountId,
  notice,
  dedupeKey,
  sendAfter,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  notice: Notice;
  dedupeKey?: string;
  sendAfter?: Date;
}): Promise<number> {
  const account = await Account.query(trx).findById(accountId);
  if (!account) return 0;
  const recipients = await billingRecipients({ trx, account });
  if (recipients.length === 0) return 0;
  const rendered = renderNotice(notice.kind, notice.data, accountLanguage(account));
  const rows = recipients.map((recipient) => ({
    accountId,
    kind: notice.kind,
    recipient,
    subject: rendered.subject,
    bodyText: rendered.text,
    bodyHtml: rendered.html,
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

/** How an account reads its notices: its language, and its time zone for dates. */
export function accountLanguage(account: Account): RenderOptions {
  return { locale: account.locale, timeZone: account.timeZone };
}

async function billingRecipients({
  trx,
  account,
}: {
  trx?: Knex.Transaction;
  account: Account;
}): Promise<string[]> {
  if (account.billingEmail) return [account.billingEmail];
  const owners = await User.query(trx)
    .whereIn('id', Membership.query(trx).select('userId').where({ accountId: account.id, role: 'owner' }))
    .whereNull('deletedAt')
    .orderBy('email');
  return owners.map((owner) => owner.email);
}

/**
 * What a notice's one-time link is for. The link itself is never stored: it is created when the
 * message is sent (server/notifications/oneTimeLinks.ts), where the body says ONE_TIME_LINK.
 */
export type OneTimeLinkReference =
  { passwordResetTokenId: string } | { signUpRequestId: string } | { accountInvitationId: string };

export { ONE_TIME_LINK } from './rendering';

/** Queues a notice to one user (about their login rather than an account's billing), such as a reset link. */
export async function enqueueUserNotification({
  trx,
  userId,
  ...notice
}: {
  trx?: Knex.Transaction;
  userId: string;
  notice: Notice;
  link?: OneTimeLinkReference;
  dedupeKey?: string;
}): Promise<void> {
  const user = await User.query(trx).findById(userId).whereNull('deletedAt');
  if (!user) return;
  await enqueueAddressNotification({
    trx,
    recipient: user.email,
    userId,
    language: { locale: user.locale },
    ...notice,
  });
}

/** Queues a notice to an address that need not have a login yet (the confirmation of a sign-up, an invitation). */
export async function enqueueAddressNotification({
  trx,
  recipient,
  userId = null,
  accountId = null,
  notice,
  link,
  dedupeKey,
  language = {},
}: {
  trx?: Knex.Transaction;
  recipient: string;
  userId?: string | null;
  /** The account it is about, so that the outbox lists it with the account's notices. */
  accountId?: string | null;
  notice: Notice;
  link?: OneTimeLinkReference;
  dedupeKey?: string;
  language?: RenderOptions;
}): Promise<void> {
  const rendered = renderNotice(notice.kind, notice.data, language);
  await (trx ?? Notification.knex())(Notification.tableName)
    .insert({
      userId,
      accountId,
      kind: notice.kind,
      recipient,
      subject: rendered.subject,
      bodyText: rendered.text,
      bodyHtml: rendered.html,
      dedupeKey: dedupeKey ? `${dedupeKey}:${recipient}` : null,
      sendAfter: now(),
      passwordResetTokenId: link && 'passwordResetTokenId' in link ? link.passwordResetTokenId : null,
      signUpRequestId: link && 'signUpRequestId' in link ? link.signUpRequestId : null,
      accountInvitationId: link && 'accountInvitationId' in link ? link.accountInvitationId : null,
    })
    .onConflict('dedupeKey')
    .ignore();
}

/**
 * Queues one notice to each of the given addresses (not about any one account: platform admins, for
 * instance). The dedupe key names the cause; each recipient's copy is unique by it, so a repeat sends
 * nothing new. Returns how many were queued.
 */
export async function enqueueNotificationsTo({
  trx,
  recipients,
  notice,
  dedupeKey,
}: {
  trx?: Knex.Transaction;
  recipients: string[];
  notice: Notice;
  dedupeKey: string;
}): Promise<number> {
  if (recipients.length === 0) return 0;
  const rendered = renderNotice(notice.kind, notice.data);
  const inserted = await (trx ?? Notification.knex())(Notification.tableName)
    .insert(
      recipients.map((recipient) => ({
        kind: notice.kind,
        recipient,
        subject: rendered.subject,
        bodyText: rendered.text,
        bodyHtml: rendered.html,
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
