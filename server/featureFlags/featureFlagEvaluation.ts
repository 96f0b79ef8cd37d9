import { createHash } from 'node:crypto';
import { Model } from 'objection';
import { BUILT_IN_FEATURE_FLAGS } from './builtInFlags';

/** Why a flag has its value for an account. */
export type FeatureFlagReason = 'override' | 'rollout' | 'global' | 'default';

export interface AccountFeatureFlag {
  key: string;
  enabled: boolean;
  reason: FeatureFlagReason;
}

interface FlagRow {
  key: string;
  enabled: boolean;
  rolloutPercent: number;
}

/** Buckets per account: a rollout of p percent turns the flag on for buckets below p × 100. */
export const ROLLOUT_BUCKETS = 10_000;

/**
 * The account's fixed place (0..9999) in a flag's rollout: the same for a key and account forever, so
 * raising the percentage only ever adds accounts, and independent between flags.
 */
export function rolloutBucket(key: string, accountId: string): number {
  const digest = createHash('sha256').update(`${key}:${accountId}`).digest();
  return digest.readUInt32BE(0) % ROLLOUT_BUCKETS;
}

/** The value of one flag for one account, from its row (or built-in default) and the account's override. */
export function evaluateFlag(
  flag: FlagRow & { fromDefault?: boolean },
  accountId: string,
  override: boolean | undefined,
): AccountFeatureFlag {
  if (override !== undefined) return { key: flag.key, enabled: override, reason: 'override' };
  if (flag.fromDefault) return { key: flag.key, enabled: flag.enabled, reason: 'default' };
  if (!flag.enabled || flag.rolloutPercent >= 100) {
    return { key: flag.key, enabled: flag.enabled, reason: 'global' };
  }
  const enabled = rolloutBucket(flag.key, accountId) < flag.rolloutPercent * (ROLLOUT_BUCKETS / 100);
  return { key: flag.key, enabled, reason: 'rollout' };
}

/**
 * Every flag's value for each of the accounts, in key order, with one query: the flags joined with the
 * accounts' overrides. Who may read an account's flags is checked by the caller
 * (server/graphql/fieldPermissions.ts: account.read).
 */
export async function evaluateFeatureFlags({
  accountIds,
}: {
  accountIds: readonly string[];
}): Promise<Map<string, AccountFeatureFlag[]>> {
  const rows: Array<FlagRow & { accountId: string | null; overrideEnabled: boolean | null }> =
    await Model.knex()('featureFlags as f')
      .leftJoin('featureFlagOverrides as o', (join) =>
        join.on('o.flagKey', 'f.key').onIn('o.accountId', [...accountIds]),
      )
      .select('f.key', 'f.enabled', 'f.rolloutPercent', 'o.accountId', 'o.enabled as overrideEnabled');
  const flags = new Map<string, FlagRow & { fromDefault?: boolean }>();
  for (const [key, builtIn] of BUILT_IN_FEATURE_FLAGS) {
    flags.set(key, { key, enabled: builtIn.defaultEnabled, rolloutPercent: 100, fromDefault: true });
  }
  const overrides = new Map<string, boolean>();
  for (const row of rows) {
    flags.set(row.key, { key: row.key, enabled: row.enabled, rolloutPercent: row.rolloutPercent });
    if (row.accountId) overrides.set(`${row.key}:${row.accountId}`, Boolean(row.overrideEnabled));
  }
  const keys = [...flags.keys()].sort();
  return new Map(
    accountIds.map((accountId) => [
      accountId,
      keys.map((key) => evaluateFlag(flags.get(key)!, accountId, overrides.get(`${key}:${accountId}`))),
    ]),
  );
}

/** Whether a flag is on for an account. A key no one has created is off (and says nothing else). */
export async function isFeatureEnabledFor({
  key,
  accountId,
}: {
  key: string;
  accountId: string;
}): Promise<boolean> {
  const flags = (await evaluateFeatureFlags({ accountIds: [accountId] })).get(accountId)!;
  return flags.find((flag) => flag.key === key)?.enabled ?? false;
}
