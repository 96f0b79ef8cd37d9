import type { Knex } from 'knex';
import { Model } from 'objection';
import { now } from '../clock';
import { settings } from '../settings';
import { enqueueAccountNotification } from '../notifications/outbox';
import { recordEntitlementEvent } from '../partnerWebhooks/events';
import type { EntitlementCheck } from './evaluate';

/** At most one soft-limit warning, and one limit-reached event, per account and feature per day (seed 002's warning cooldown). */
export const WARNING_COOLDOWN_MS = 24 * 60 * 60 * 1000;

/** A feature's usage worth telling of, for one account. */
interface LimitNews {
  accountId: string;
  check: EntitlementCheck;
}

// Checks run on the partners' hot path: once this process has handled a warning for an account and
// feature, it skips the database until the cooldown has passed.
const handledAt = new Map<string, number>();

/**
 * Warns the account's billing contacts that a limit is nearly reached, and tells partners
 * (`entitlement.soft_limit_reached`). At most once a day per account and feature.
 */
export async function warnNearLimit({ accountId, check }: LimitNews): Promise<boolean> {
  return onceADay({
    accountId,
    check,
    column: 'last_warned_at',
    tell: async ({ trx, time }) => {
      await enqueueAccountNotification({
        trx,
        accountId,
        notice: {
          kind: 'soft_limit_reached',
          data: {
            planName: check.plan.name,
            feature: check.featureKey.replace(/[_.]/g, ' '),
            used: check.used,
            limit: check.limit,
            scope:
              check.scopeKey === null || check.scopeResourceType === null
                ? null
                : { resourceType: check.scopeResourceType, key: check.scopeKey },
            billingUrl: `${settings().publicUrl}/billing/plan`,
          },
        },
        dedupeKey: `soft_limit_reached:${accountId}:${check.featureKey}:${time.toISOString()}`,
      });
      await recordEntitlementEvent({
        trx,
        accountId,
        type: 'entitlement.soft_limit_reached',
        check,
        at: time,
      });
    },
  });
}

/**
 * Tells partners that the account was refused a feature because its limit is used up
 * (`entitlement.limit_reached`): a check answering not allowed, or a resource refused. At most once a
 * day per account and feature, so a caller retrying in a loop writes one event.
 */
export async function announceLimitReached({ accountId, check }: LimitNews): Promise<boolean> {
  return onceADay({
    accountId,
    check,
    column: 'last_limit_reached_at',
    tell: ({ trx, time }) =>
      recordEntitlementEvent({ trx, accountId, type: 'entitlement.limit_reached', check, at: time }),
  });
}

/**
 * Runs `tell` at most once a day per account, feature and kind of news. The cooldown is kept in
 * `limit_warnings` and claimed with one conditional upsert, so concurrent checks on several processes
 * tell once; `tell` runs in the claim's transaction, so a failure to tell releases the claim.
 */
async function onceADay({
  accountId,
  check,
  column,
  tell,
}: LimitNews & {
  column: 'last_warned_at' | 'last_limit_reached_at';
  tell: (context: { trx: Knex.Transaction; time: Date }) => Promise<void>;
}): Promise<boolean> {
  const key = `${column}:${accountId}:${check.featureKey}`;
  const time = now();
  if ((handledAt.get(key) ?? -Infinity) > time.getTime() - WARNING_COOLDOWN_MS) return false;
  handledAt.set(key, time.getTime());

  return Model.knex().transaction(async (trx) => {
    const claimed = await trx.raw<{ rows: unknown[] }>(
      `insert into limit_warnings (account_id, feature_key, ${column}) values (?, ?, ?)
       on conflict (account_id, feature_key) do update set ${column} = excluded.${column}
       where limit_warnings.${column} is null or limit_warnings.${column} <= ?
       returning 1`,
      [accountId, check.featureKey, time, new Date(time.getTime() - WARNING_COOLDOWN_MS)],
    );
    if (claimed.rows.length === 0) return false;
    await tell({ trx, time });
    return true;
  });
}

/** For tests that move time: forget which warnings this process has handled. */
export function forgetHandledWarnings(): void {
  handledAt.clear();
}
