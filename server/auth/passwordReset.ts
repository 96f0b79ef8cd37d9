import { z } from 'zod';
import { now } from '../clock';
import { ValidationError } from '../errors';
import type { Knex } from 'knex';
import { enqueueUserNotification, ONE_TIME_LINK } from '../notifications/outbox';
import { BaseModel } from '../db/BaseModel';
import { settings } from '../settings';
import { parseInput } from '../validation';
import { generateToken, hashPassword, hashToken } from './secrets';
import { Session } from './Session';
import { User } from './User';

export const passwordSchema = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(200, 'is at most 200 characters');

const RESET_LINK_LIFETIME_MS = 60 * 60 * 1000;
/** At most this many reset emails per user in the window, so the form cannot be used to flood an inbox. */
export const RESET_EMAILS_PER_WINDOW = 3;
const RESET_EMAIL_WINDOW_MS = 60 * 60 * 1000;

class PasswordResetToken extends BaseModel {
  static override tableName = 'password_reset_tokens';

  id!: string;
  userId!: string;
  /** Null until the email carrying its link is sent. */
  tokenHash!: string | null;
  createdAt!: Date;
  expiresAt!: Date;
  usedAt!: Date | null;
}

/**
 * Emails a reset link when the address belongs to a user and fewer than RESET_EMAILS_PER_WINDOW were
 * sent to it within the hour. The answer is the same in every case, so the form cannot be used to learn
 * who has a login. The outbox keeps only a reference to the reset: its token is created when the
 * message is sent (`issuePasswordResetLink`), and only the token's hash is stored. The link is valid
 * for an hour from then and works once.
 */
export async function requestPasswordReset({ email }: { email: string }): Promise<void> {
  const user = await User.query()
    .whereRaw('lower(email) = lower(?)', [email.trim()])
    .whereNull('deletedAt')
    .first();
  if (!user) return;
  await PasswordResetToken.transaction(async (trx) => {
    // Counted from the links themselves, one request at a time per user, so a burst cannot slip past.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`password-reset:${user.id}`]);
    const since = new Date(now().getTime() - RESET_EMAIL_WINDOW_MS);
    const sent = await PasswordResetToken.query(trx)
      .where({ userId: user.id })
      .where('createdAt', '>', since)
      .resultSize();
    if (sent >= RESET_EMAILS_PER_WINDOW) return;
    const reset = await PasswordResetToken.query(trx).insertAndFetch({
      userId: user.id,
      tokenHash: null,
      createdAt: now(),
      expiresAt: new Date(now().getTime() + RESET_LINK_LIFETIME_MS),
    });
    await enqueueUserNotification({
      trx,
      userId: user.id,
      notice: { kind: 'auth.password_reset', data: { link: ONE_TIME_LINK } },
      link: { passwordResetTokenId: reset.id },
    });
  });
}

/**
 * Creates the token of a reset's link as its email is being sent, replacing any token an earlier
 * attempt to send it created, and returns the link; null when the reset was already used.
 */
export async function issuePasswordResetLink({
  trx,
  passwordResetTokenId,
}: {
  trx: Knex.Transaction;
  passwordResetTokenId: string;
}): Promise<string | null> {
  const token = generateToken();
  const issued = await PasswordResetToken.query(trx)
    .findById(passwordResetTokenId)
    .whereNull('usedAt')
    .patch({ tokenHash: hashToken(token), expiresAt: new Date(now().getTime() + RESET_LINK_LIFETIME_MS) });
  return issued > 0 ? `${settings().publicUrl}/reset-password?token=${token}` : null;
}

/**
 * A link to choose a password, handed straight to whoever asked for it (the admin command prints it to
 * the operator) instead of emailed. Printing it is its sending, so its token is created now
 * (decision 025); it is the same one-hour, single-use link as a reset's.
 */
export async function issuePasswordLinkNow({
  trx,
  userId,
}: {
  trx: Knex.Transaction;
  userId: string;
}): Promise<string> {
  const reset = await PasswordResetToken.query(trx).insertAndFetch({
    userId,
    tokenHash: null,
    createdAt: now(),
    expiresAt: new Date(now().getTime() + RESET_LINK_LIFETIME_MS),
  });
  const link = await issuePasswordResetLink({ trx, passwordResetTokenId: reset.id });
  return link!;
}

/** Sets a new password from a reset link, once, and signs the user out everywhere. */
export async function resetPassword(input: { token: string; password: string }): Promise<void> {
  const { token, password } = parseInput(
    z.object({ token: z.string().min(1, 'is required'), password: passwordSchema }),
    input,
  );
  const passwordHash = await hashPassword(password);
  await PasswordResetToken.transaction(async (trx) => {
    const reset = await PasswordResetToken.query(trx)
      .findOne({ tokenHash: hashToken(token) })
      .forUpdate();
    if (!reset || reset.usedAt || reset.expiresAt <= now()) {
      throw ValidationError.forField('token', 'this link has expired or was already used; ask for a new one');
    }
    await PasswordResetToken.query(trx).findById(reset.id).patch({ usedAt: now() });
    await User.query(trx).findById(reset.userId).patch({ passwordHash });
    await Session.query(trx)
      .where({ userId: reset.userId })
      .whereNull('revokedAt')
      .patch({ revokedAt: now() });
  });
}
