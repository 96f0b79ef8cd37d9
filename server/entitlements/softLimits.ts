import { Model } from 'objection';
import { now } from '../clock';
import { enqueueAccountNotification } from '../notifications/outbox';
import type { EntitlementCheck } from './evaluate';

/** At most one soft-limit warning per account and feature per day (seed 002's warning cooldown). */
export const WARNING_COOLDOWN_MS = 24 * 60 * 60 * 1000;

// Checks run on the partners' hot path: once this process has handled a warning for an account and
// feature, it skips the database until the cooldown has passed.
const handledAt = new Map<string, number>();

/**
 * Warns the account's billing contacts that a limit is nearly reached. The cooldown is kept in
 * `limit_warnings` and claimed with one conditional upsert, so concurrent checks on several processes
 * send one warning.
 */
export async function warnNearLimit({
  accountId,
  check,
}: {
  accountId: string;
  check: EntitlementCheck;
}): Promise<boolean> {
  const key = `${accountId}:${check.featureKey}`;
  const time = now();
  if ((handledAt.get(key) ?? -Infinity) > time.getTime() - WARNING_COOLDOWN_MS) return false;
  handledAt.set(key, time.getTime());

  return Model.knex().transaction(async (trx) => {
    const claimed = await trx.raw<{ rows: unknown[] }>(
      `insert into limit_warnings (account_id, feature_key, last_warned_at) values (?, ?, ?)
       on conflict (account_id, feature_key) do update set last_warned_at = excluded.last_warned_at
       where limit_warnings.last_warned_at <= ?
       returning 1`,
      [accountId, check.featureKey, time, new Date(time.getTime() - WARNING_COOLDOWN_MS)],
    );
    if (claimed.rows.length === 0) return false;
    const usage = check.limit === null ? `${check.used}` : `${check.used} of ${check.limit}`;
    const where = check.scopeKey === null ? '' : ` in ${check.scopeResourceType} ${check.scopeKey}`;
    await enqueueAccountNotification({
      trx,
      accountId,
      kind: 'soft_limit_reached',
      subject: `You have used ${usage} ${check.featureKey.replace(/[_.]/g, ' ')}${where}`,
      bodyText: `Your ${check.plan.name} plan includes ${check.limit ?? 'unlimited'} ${check.featureKey.replace(/[_.]/g, ' ')}${check.scopeResourceType ? ` per ${check.scopeResourceType}` : ''}; ${check.used} are in use${where}. Upgrade to keep growing without interruption.`,
      dedupeKey: `soft_limit_reached:${accountId}:${check.featureKey}:${time.toISOString()}`,
    });
    return true;
  });
}

/** For tests that move time: forget which warnings this process has handled. */
export function forgetHandledWarnings(): void {
  handledAt.clear();
}
