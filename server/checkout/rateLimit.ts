import type { Knex } from 'knex';
import { now } from '../clock';
import { RateLimitedError } from '../errors';
import { settings } from '../settings';
import { CheckoutSession } from './CheckoutSession';

/**
 * At most N checkouts per window per user (per account for API keys; 5 a minute unless
 * RATE_LIMIT_CHECKOUT says otherwise), counted from the checkout rows themselves. An advisory lock per
 * requester serializes concurrent attempts, so a burst cannot slip past the count; the caller's
 * transaction then inserts the new row.
 */
export async function assertCheckoutRateLimit({
  trx,
  userId,
  accountId,
}: {
  trx: Knex.Transaction;
  userId: string | null;
  accountId: string;
}): Promise<void> {
  const requester = userId ? `user:${userId}` : `account:${accountId}`;
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`checkout-rate:${requester}`]);
  const { points: limit, durationSeconds } = settings().checkoutRateLimit;
  const windowMs = durationSeconds * 1000;
  const since = new Date(now().getTime() - windowMs);
  const recent = await CheckoutSession.query(trx)
    .where(userId ? { createdByUserId: userId } : { accountId, createdByUserId: null })
    .where('createdAt', '>', since)
    .orderBy('createdAt');
  if (recent.length >= limit) {
    const oldest = recent[recent.length - limit]!;
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((oldest.createdAt.getTime() + windowMs - now().getTime()) / 1000),
    );
    throw new RateLimitedError(retryAfterSeconds);
  }
}
