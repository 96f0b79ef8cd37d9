import { now } from '../clock';
import { UnauthenticatedError } from '../errors';
import type { UserActor } from './actor';
import { generateToken, hashPassword, hashToken, verifyPassword } from './secrets';
import { Session } from './Session';
import { forgiveSignInAttempt, reserveSignInAttempt } from './signInThrottle';
import { User } from './User';

const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
/** Renewing a session (last_seen_at and expires_at) is not worth a write, or a new cookie, on every request. */
const TOUCH_INTERVAL_MS = 10 * 60 * 1000;

export interface IssuedSession {
  token: string;
  expiresAt: Date;
  user: User;
}

export async function createSession({ user }: { user: User }): Promise<IssuedSession> {
  const token = generateToken();
  const expiresAt = new Date(now().getTime() + SESSION_LIFETIME_MS);
  await Session.query().insert({
    userId: user.id,
    tokenHash: hashToken(token),
    expiresAt,
    lastSeenAt: now(),
  });
  return { token, expiresAt, user };
}

// Compared against when the email is unknown, so a wrong email costs as much time as a wrong password.
const decoyPasswordHash = hashPassword('decoy password that matches nothing');

export async function signIn({
  email,
  password,
}: {
  email: string;
  password: string;
}): Promise<IssuedSession> {
  // Counted as a failure until the password proves right, so parallel guesses cannot pass the limit.
  const attempt = await reserveSignInAttempt(email);
  const user = await User.query()
    .whereRaw('lower(email) = lower(?)', [email.trim()])
    .whereNull('deletedAt')
    .first();
  const valid = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash));
  if (!user || !user.passwordHash || !valid)
    throw new UnauthenticatedError('The email or password is incorrect.');
  await forgiveSignInAttempt(attempt);
  return createSession({ user });
}

export interface ResolvedSession {
  actor: UserActor;
  /** The session's new expiry when this use renewed it (the cookie should follow), otherwise null. */
  renewedUntil: Date | null;
}

/** The signed-in user behind a session token, or null when the token is unknown, expired or revoked. */
export async function resolveSessionToken(token: string): Promise<ResolvedSession | null> {
  const session = await Session.query().findOne({ tokenHash: hashToken(token) });
  const time = now();
  if (!session || session.revokedAt || session.expiresAt <= time) return null;
  const user = await User.query().findById(session.userId).whereNull('deletedAt');
  if (!user) return null;
  const actor: UserActor = {
    kind: 'user',
    userId: user.id,
    sessionId: session.id,
    isPlatformAdmin: user.isPlatformAdmin,
  };
  // Sessions slide: one in use keeps being renewed, one left alone for 30 days expires. Of several
  // requests arriving together (a page's loaders run in parallel), one renews it and sends the cookie.
  const staleBefore = new Date(time.getTime() - TOUCH_INTERVAL_MS);
  if (session.lastSeenAt >= staleBefore) return { actor, renewedUntil: null };
  const renewedUntil = new Date(time.getTime() + SESSION_LIFETIME_MS);
  const renewed = await Session.query()
    .findById(session.id)
    .where('lastSeenAt', '<', staleBefore)
    .patch({ lastSeenAt: time, expiresAt: renewedUntil });
  return { actor, renewedUntil: renewed > 0 ? renewedUntil : null };
}

export async function revokeSession({ sessionId }: { sessionId: string }): Promise<void> {
  await Session.query().findById(sessionId).whereNull('revokedAt').patch({ revokedAt: now() });
}
