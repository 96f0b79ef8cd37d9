import type { Knex } from 'knex';
import { issueInvitationLink } from '../accounts/invitations';
import { issueSignUpConfirmationLink } from '../accounts/signUp';
import { issuePasswordResetLink } from '../auth/passwordReset';
import type { Notification } from './Notification';
import { ONE_TIME_LINK } from './rendering';

/**
 * The text and HTML of a message as it is sent: where the stored body says ONE_TIME_LINK, the link is
 * created now, in the sending transaction, so that it exists only in the email itself. Null when the
 * message has no reason to go any more (its reset was used, its sign-up finished, its invitation
 * accepted or withdrawn).
 */
export async function bodyToSend({
  trx,
  notification,
}: {
  trx: Knex.Transaction;
  notification: Notification;
}): Promise<{ text: string; html: string | null } | null> {
  const { bodyText: text, bodyHtml: html } = notification;
  if (!text.includes(ONE_TIME_LINK)) return { text, html };
  const link = await issueLink({ trx, notification });
  if (link === null) return null;
  return { text: text.replaceAll(ONE_TIME_LINK, link), html: html?.replaceAll(ONE_TIME_LINK, link) ?? null };
}

function issueLink({ trx, notification }: { trx: Knex.Transaction; notification: Notification }) {
  if (notification.passwordResetTokenId)
    return issuePasswordResetLink({ trx, passwordResetTokenId: notification.passwordResetTokenId });
  if (notification.signUpRequestId)
    return issueSignUpConfirmationLink({ trx, signUpRequestId: notification.signUpRequestId });
  if (notification.accountInvitationId)
    return issueInvitationLink({ trx, accountInvitationId: notification.accountInvitationId });
  return Promise.resolve(null);
}
