import { Model } from 'objection';
import { now } from '../clock';
import { RateLimitedError } from '../errors';
import { hashToken } from './secrets';

/** Failed sign-ins to one address tolerated within the window before the address is refused. */
export const SIGN_IN_FAILURE_LIMIT = 10;
export const SIGN_IN_FAILURE_WINDOW_MS = 15 * 60 * 1000;

/** A sign-in attempt counted against its address until it proves to be right. */
export interface ReservedSignInAttempt {
  id: string;
}

/**
 * Slows password guessing to SIGN_IN_FAILURE_LIMIT tries per address per window. Each attempt is
 * counted before its password is checked: under a lock on the address, the recent attempts are
 * counted and, if there is room, this one is recorded as a failure in the same transaction. Parallel
 * guesses therefore take the room one at a time and never exceed the limit, while the lock is held for
 * two small statements only, never across the deliberately slow password check. A right password
 * takes its attempt back (`forgiveSignInAttempt`).
 *
 * Once the limit is reached every sign-in to that address, right or wrong, is refused with
 * RATE_LIMITED until the oldest counted failure leaves the window: answering a right password would
 * tell the guesser it was right.
 */
export async function reserveSignInAttempt(email: string): Promise<ReservedSignInAttempt> {
  const hash = emailHash(email);
  const time = now();
  const since = new Date(time.getTime() - SIGN_IN_FAILURE_WINDOW_MS);
  return Model.knex().transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`sign-in:${hash}`]);
    const recent: Array<{ createdAt: Date }> = await trx('signInFailures')
      .select('createdAt')
      .where({ emailHash: hash })
      .where('createdAt', '>', since)
      .orderBy('createdAt', 'desc')
      .limit(SIGN_IN_FAILURE_LIMIT);
    if (recent.length >= SIGN_IN_FAILURE_LIMIT) {
      const oldestCounted = recent[recent.length - 1]!.createdAt;
      throw new RateLimitedError(
        Math.max(1, Math.ceil((oldestCounted.getTime() + SIGN_IN_FAILURE_WINDOW_MS - time.getTime()) / 1000)),
      );
    }
    const [reserved] = await trx('signInFailures')
      .insert({ emailHash: hash, createdAt: time })
      .returning<Array<{ id: string | number }>>('id');
    return { id: String(reserved!.id) };
  });
}

/** The attempt was right: it is not a failure after all. */
export async function forgiveSignInAttempt(attempt: ReservedSignInAttempt): Promise<void> {
  await Model.knex()('signInFailures').where({ id: attempt.id }).delete();
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
