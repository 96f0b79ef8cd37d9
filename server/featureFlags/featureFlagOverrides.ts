import { Model } from 'objection';
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { NotFoundError } from '../errors';
import { parseInput } from '../validation';
import { ensureFlagRow } from './featureFlags';

/** One account's own value of a flag, whatever the flag's global state and rollout. */
export interface FeatureFlagOverride {
  flagKey: string;
  accountId: string;
  accountName: string;
  enabled: boolean;
  updatedAt: Date;
}

const overrideInput = z.object({
  key: z.string(),
  accountId: z.uuid({ error: 'is not an account id' }),
  enabled: z.boolean(),
});

export async function setFeatureFlagOverride({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof overrideInput>): Promise<FeatureFlagOverride> {
  const { key, accountId, enabled } = parseInput(overrideInput, input);
  requirePlatformAdmin(actor);
  await Model.knex().transaction(async (trx) => {
    await ensureFlagRow(trx, key);
    const account = await trx('accounts').where({ id: accountId }).whereNull('deletedAt').first();
    if (!account) throw new NotFoundError('Account', { accountId });
    await trx('featureFlagOverrides')
      .insert({
        flagKey: key,
        accountId,
        enabled,
        updatedByUserId: actor.kind === 'user' ? actor.userId : null,
        updatedAt: now(),
      })
      .onConflict(['flagKey', 'accountId'])
      .merge();
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'feature_flag.override_set',
      target: { type: 'feature_flag', id: key },
      details: { enabled },
    });
  });
  return (await listOverrides({ key, accountId }))[0]!;
}

/** Removes an account's override, so the flag's global state and rollout apply again. Returns it as it was. */
export async function clearFeatureFlagOverride({
  actor,
  ...input
}: { actor: Actor } & { key: string; accountId: string }): Promise<FeatureFlagOverride> {
  const { key, accountId } = parseInput(overrideInput.omit({ enabled: true }), input);
  requirePlatformAdmin(actor);
  const [override] = await listOverrides({ key, accountId });
  if (!override) throw new NotFoundError('Feature flag override', { key, accountId });
  await Model.knex().transaction(async (trx) => {
    await trx('featureFlagOverrides').where({ flagKey: key, accountId }).delete();
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'feature_flag.override_cleared',
      target: { type: 'feature_flag', id: key },
      details: { enabled: override.enabled },
    });
  });
  return override;
}

/** A flag's overrides, newest first. Platform admins only. */
export async function listFeatureFlagOverrides({
  actor,
  key,
}: {
  actor: Actor;
  key: string;
}): Promise<FeatureFlagOverride[]> {
  requirePlatformAdmin(actor);
  return listOverrides({ key });
}

/** An account's overrides of every flag, by key. Platform admins only. */
export async function listAccountFeatureFlagOverrides({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<FeatureFlagOverride[]> {
  requirePlatformAdmin(actor);
  return listOverrides({ accountId });
}

function listOverrides({
  key,
  accountId,
}: {
  key?: string;
  accountId?: string;
}): Promise<FeatureFlagOverride[]> {
  return Model.knex()('featureFlagOverrides as o')
    .join('accounts as a', 'a.id', 'o.accountId')
    .modify((query) => {
      if (key !== undefined) query.where('o.flagKey', key);
      if (accountId !== undefined) query.where('o.accountId', accountId);
    })
    .select('o.flagKey', 'o.accountId', 'a.name as accountName', 'o.enabled', 'o.updatedAt')
    .orderBy([{ column: 'o.updatedAt', order: 'desc' }, 'o.flagKey']);
}
