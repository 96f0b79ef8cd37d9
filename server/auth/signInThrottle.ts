import { Model } from 'objection';
import { now } from '../clock';
import { RateLimitedError } from '../errors';
import { hashToken } from './secrets';

/** Failed sign-ins to one address tolerated within the window before the address is refused. */
export const SIGN_IN_FAILURE_LIMIT = 10;
export const SIGN_IN_FAILURE_WINDOW_MS = 15 * 60 * 1000;

/**
 * Slows password guessing to SIGN_IN_FAILURE_LIMIT tries per address per window. Once the limit is
 * reached every sign-in to that address, right or wrong, is refused with RATE_LIMITED until the oldest
 * counted failure leaves the window: answering a right password would tell the guesser it was right.
 * The count is read before the password is checked and written after, without a lock, so parallel
 * guesses can overshoot the limit by their number; a lock held across the deliberately slow password
 * check would let a guesser tie up the database's connections instead.
 */
export async function assertSignInAllowed(email: string): Promise<void> {
  const since = new Date(now().getTime() - SIGN_IN_FAILURE_WINDOW_MS);
  const recent: Array<{ createdAt: Date }> = await Model.knex()('signInFailures')
    .select('createdAt')
    .where({ emailHash: emailHash(email) })
    .where('createdAt', '>', since)
    .orderBy('createdAt', 'desc')
    .limit(SIGN_IN_FAILURE_LIMIT);
  if (recent.length < SIGN_IN_FAILURE_LIMIT) return;
  const oldestCounted = recent[recent.length - 1]!.createdAt;
  throw new RateLimitedError(
    Math.max(1, Math.ceil((oldestCounted.getTime() + SIGN_IN_FAILURE_WINDOW_MS - now().getTime()) / 1000)),
  );
}

export async function recordSignInFailure(email: string): Promise<void> {
  await Model.knex()('signInFailures').insert({ emailHash: emailHash(email), createdAt: now() });
}

/** Failures older than a day count for nothing. */
export async function purgeSignInFailures(): Promise<number> {
  return Model.knex()('signInFailures')
    .where('createdAt', '<', new Date(now().getTime() - 24 * 60 * 60 * 1000))
    .delete();
}

function emailHash(email: string): string {
  return hashToken(email.trim().toLowerCase());
}
