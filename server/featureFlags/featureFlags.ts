import type { Knex } from 'knex';
import { Model } from 'objection';
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { parseInput } from '../validation';
import { BUILT_IN_FEATURE_FLAGS, isBuiltInFlag } from './builtInFlags';

/** A flag as platform admins manage it. */
export interface FeatureFlagState {
  key: string;
  description: string;
  enabled: boolean;
  rolloutPercent: number;
  builtIn: boolean;
  overrideCount: number;
  createdAt: Date | null;
  /** Null while a built-in flag has its default. */
  updatedAt: Date | null;
}

const KEY_PROBLEM =
  'must be lowercase snake_case: a letter, then letters, digits or underscores (at most 64)';
const keyField = z
  .string()
  .max(64, { error: KEY_PROBLEM })
  .regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, { error: KEY_PROBLEM });
const descriptionField = z
  .string()
  .trim()
  .min(1, { error: 'is required' })
  .max(500, { error: 'must be at most 500 characters' });
const rolloutField = z
  .number()
  .int({ error: 'must be a whole percentage' })
  .min(0, { error: 'must be between 0 and 100' })
  .max(100, { error: 'must be between 0 and 100' });

export async function listFeatureFlags({ actor }: { actor: Actor }): Promise<FeatureFlagState[]> {
  requirePlatformAdmin(actor);
  return readFlags(Model.knex());
}

export async function getFeatureFlag({
  actor,
  key,
}: {
  actor: Actor;
  key: string;
}): Promise<FeatureFlagState> {
  requirePlatformAdmin(actor);
  return findFlag(Model.knex(), key);
}

const createInput = z.object({
  key: keyField,
  description: descriptionField,
  enabled: z.boolean(),
  rolloutPercent: rolloutField.default(100),
});

export async function createFeatureFlag({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof createInput>): Promise<FeatureFlagState> {
  const flag = parseInput(createInput, input);
  requirePlatformAdmin(actor);
  if (isBuiltInFlag(flag.key)) throw ValidationError.forField('key', 'is a built-in flag; change it instead');
  return Model.knex().transaction(async (trx) => {
    const inserted = await trx('featureFlags')
      .insert({ ...flag, updatedByUserId: userIdOf(actor), createdAt: now(), updatedAt: now() })
      .onConflict('key')
      .ignore()
      .returning('key');
    if (inserted.length === 0) throw ValidationError.forField('key', 'is taken by another flag');
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'feature_flag.created',
      target: target(flag.key),
      details: flag,
    });
    return findFlag(trx, flag.key);
  });
}

const updateInput = z.object({
  key: z.string(),
  description: descriptionField.optional(),
  enabled: z.boolean().optional(),
  rolloutPercent: rolloutField.optional(),
});

/** Changes what is given; a built-in flag gets its row (with its defaults) the first time. */
export async function updateFeatureFlag({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof updateInput>): Promise<FeatureFlagState> {
  const { key, ...changes } = parseInput(updateInput, input);
  requirePlatformAdmin(actor);
  return Model.knex().transaction(async (trx) => {
    await ensureFlagRow(trx, key);
    await trx('featureFlags')
      .where({ key })
      .update({ ...changes, updatedByUserId: userIdOf(actor), updatedAt: now() });
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'feature_flag.updated',
      target: target(key),
      details: changes,
    });
    return findFlag(trx, key);
  });
}

/** Compatibility with the on/off switch of earlier versions: `updateFeatureFlag` with `enabled` alone. */
export async function setFeatureFlag({
  actor,
  key,
  enabled,
}: {
  actor: Actor;
  key: string;
  enabled: boolean;
}): Promise<FeatureFlagState> {
  return updateFeatureFlag({ actor, key, enabled });
}

/** Deletes a flag and its overrides; returns it as it was. Built-in flags cannot be deleted. */
export async function deleteFeatureFlag({
  actor,
  key,
}: {
  actor: Actor;
  key: string;
}): Promise<FeatureFlagState> {
  requirePlatformAdmin(actor);
  if (isBuiltInFlag(key)) throw new ConflictError(`${key} is built in: turn it off instead of deleting it.`);
  return Model.knex().transaction(async (trx) => {
    const flag = await findFlag(trx, key);
    await trx('featureFlags').where({ key }).delete();
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'feature_flag.deleted',
      target: target(key),
      details: { overrideCount: flag.overrideCount },
    });
    return flag;
  });
}

/** Makes sure the flag has a row (a built-in one gets its defaults); unknown keys are NOT_FOUND. */
export async function ensureFlagRow(trx: Knex.Transaction, key: string): Promise<void> {
  const builtIn = BUILT_IN_FEATURE_FLAGS.get(key);
  if (builtIn) {
    await trx('featureFlags')
      .insert({ key, enabled: builtIn.defaultEnabled, description: '', rolloutPercent: 100 })
      .onConflict('key')
      .ignore();
  }
  const row = await trx('featureFlags').where({ key }).forUpdate().first();
  if (!row) throw new NotFoundError('Feature flag', { key });
}

async function findFlag(knex: Knex, key: string): Promise<FeatureFlagState> {
  const flag = (await readFlags(knex, key)).find((candidate) => candidate.key === key);
  if (!flag) throw new NotFoundError('Feature flag', { key });
  return flag;
}

async function readFlags(knex: Knex, key?: string): Promise<FeatureFlagState[]> {
  const rows: Array<Omit<FeatureFlagState, 'builtIn'>> = await knex('featureFlags as f')
    .modify((query) => (key === undefined ? query : query.where('f.key', key)))
    .select('f.key', 'f.description', 'f.enabled', 'f.rolloutPercent', 'f.createdAt', 'f.updatedAt')
    .select(
      knex.raw(
        '(select count(*)::int from feature_flag_overrides o where o.flag_key = f.key) as override_count',
      ),
    );
  const flags = new Map<string, FeatureFlagState>();
  for (const [builtInKey, builtIn] of BUILT_IN_FEATURE_FLAGS) {
    if (key !== undefined && key !== builtInKey) continue;
    flags.set(builtInKey, {
      key: builtInKey,
      description: builtIn.description,
      enabled: builtIn.defaultEnabled,
      rolloutPercent: 100,
      builtIn: true,
      overrideCount: 0,
      createdAt: null,
      updatedAt: null,
    });
  }
  for (const row of rows) {
    const builtIn = BUILT_IN_FEATURE_FLAGS.get(row.key);
    flags.set(row.key, {
      ...row,
      description: row.description || (builtIn?.description ?? ''),
      builtIn: builtIn !== undefined,
    });
  }
  return [...flags.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function userIdOf(actor: Actor): string | null {
  return actor.kind === 'user' ? actor.userId : null;
}

function target(key: string) {
  return { type: 'feature_flag', id: key };
}
