import { Model } from 'objection';
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { ForbiddenError } from '../errors';
import { parseInput } from '../validation';

/** The switches platform admins can flip, with what they do and their value until someone does. */
export const FEATURE_FLAGS = {
  self_serve_billing: {
    description:
      'Customers can subscribe, start trials, change plans and buy credits themselves. Off: those actions are refused with a pointer to sales; partners and admins are unaffected.',
    defaultEnabled: true,
  },
} as const;

export type FeatureFlagKey = keyof typeof FEATURE_FLAGS;

export interface FeatureFlagState {
  key: FeatureFlagKey;
  description: string;
  enabled: boolean;
  updatedAt: Date | null;
}

export async function isFeatureEnabled(key: FeatureFlagKey): Promise<boolean> {
  const row = await Model.knex()('featureFlags').where({ key }).first();
  return row ? Boolean(row.enabled) : FEATURE_FLAGS[key].defaultEnabled;
}

/** Customers (signed-in users) are refused self-serve billing actions while the switch is off. */
export async function assertSelfServeBilling(actor: Actor): Promise<void> {
  if (actor.kind !== 'user' || actor.isPlatformAdmin) return;
  if (!(await isFeatureEnabled('self_serve_billing'))) {
    throw new ForbiddenError('Self-serve billing is turned off; please contact sales to change your plan.');
  }
}

export async function listFeatureFlags({ actor }: { actor: Actor }): Promise<FeatureFlagState[]> {
  requirePlatformAdmin(actor);
  const rows: Array<{ key: string; enabled: boolean; updatedAt: Date }> = await Model.knex()('featureFlags');
  return (Object.keys(FEATURE_FLAGS) as FeatureFlagKey[]).map((key) => {
    const row = rows.find((candidate) => candidate.key === key);
    return {
      key,
      description: FEATURE_FLAGS[key].description,
      enabled: row ? row.enabled : FEATURE_FLAGS[key].defaultEnabled,
      updatedAt: row?.updatedAt ?? null,
    };
  });
}

const setInput = z.object({
  key: z.enum(Object.keys(FEATURE_FLAGS) as [FeatureFlagKey, ...FeatureFlagKey[]], {
    error: 'is not a known feature flag',
  }),
  enabled: z.boolean(),
});

export async function setFeatureFlag({
  actor,
  ...input
}: { actor: Actor } & { key: string; enabled: boolean }): Promise<FeatureFlagState> {
  const { key, enabled } = parseInput(setInput, input);
  requirePlatformAdmin(actor);
  await Model.knex().transaction(async (trx) => {
    const updatedByUserId = actor.kind === 'user' ? actor.userId : null;
    await trx('featureFlags')
      .insert({ key, enabled, updatedByUserId, updatedAt: now() })
      .onConflict('key')
      .merge();
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'feature_flag.set',
      target: { type: 'feature_flag', id: key },
      details: { enabled },
    });
  });
  return (await listFeatureFlags({ actor })).find((flag) => flag.key === key)!;
}
