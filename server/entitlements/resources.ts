import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { LimitExceededError, ValidationError } from '../errors';
import { parseInput } from '../validation';
import { loadEntitlementProfile } from './entitlementProfile';
import { checkScopeKey, evaluateEntitlement, scopeKeyInput, type EntitlementCheck } from './evaluate';
import { announceLimitReached, warnNearLimit } from './softLimits';

const resourceInput = z.object({
  accountId: z.string().uuid('is not an account id').nullish(),
  externalId: z.string().trim().min(1).max(200).nullish(),
  featureKey: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'is not a feature key'),
  resourceId: z.string().trim().min(1, 'is required').max(200, 'is at most 200 characters'),
  scopeKey: scopeKeyInput,
});

/**
 * Records that the account holds one more of a countable resource (a project, an agent, a room, a seat
 * for one of the partner's users...), named by the partner's own id, if its plan allows one more.
 * Beyond the limit it fails with LIMIT_EXCEEDED and changes nothing. Registering the same id again is
 * a no-op, so partners can retry safely. A per-resource limit counts the resources under the parent
 * `scopeKey` only (the participants of one room). Registrations are serialized by the account lock,
 * so concurrent ones never admit more than the limit and its buffer.
 */
export async function registerResource({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof resourceInput>): Promise<{ check: EntitlementCheck; created: boolean }> {
  const { accountId, externalId, featureKey, resourceId, scopeKey } = parseInput(resourceInput, input);
  const account = await authorizeAccount({ actor, accountId, externalId, permission: 'entitlements.manage' });
  let refused: EntitlementCheck | undefined;
  const result = await withAccountLock(account.id, async ({ trx }) => {
    const profile = await loadEntitlementProfile({ trx, accountId: account.id });
    const entitlement = profile.entitlements.find((candidate) => candidate.featureKey === featureKey);
    if (!entitlement || entitlement.kind !== 'limit') {
      throw ValidationError.forField(
        'featureKey',
        `is not a countable resource of the ${profile.plan.name} plan`,
      );
    }
    checkScopeKey(entitlement, scopeKey);
    const inserted = await trx('entitledResources')
      .insert({ accountId: account.id, featureKey, scopeKey: scopeKey ?? '', resourceId })
      .onConflict(['accountId', 'featureKey', 'scopeKey', 'resourceId'])
      .ignore()
      .returning('resourceId');
    const check = await evaluateEntitlement({ trx, accountId: account.id, profile, featureKey, scopeKey });
    if (inserted.length > 0 && check.hardLimit !== null && check.used! > check.hardLimit) {
      // The insertion rolls back: what partners hear of is the account as it stays, at its limit.
      refused = { ...check, allowed: false, used: check.used! - 1, remaining: 0 };
      throw new LimitExceededError(featureKey, check.hardLimit, check.used! - 1);
    }
    return { check, created: inserted.length > 0 };
  }).catch(async (error: unknown) => {
    if (refused) await announceLimitReached({ accountId: account.id, check: refused });
    throw error;
  });
  if (result.created && result.check.softLimitReached)
    await warnNearLimit({ accountId: account.id, check: result.check });
  if (result.created && !result.check.allowed)
    await announceLimitReached({ accountId: account.id, check: result.check });
  return result;
}

/**
 * Records that the account no longer holds a resource (under the parent `scopeKey` for a per-resource
 * limit); releasing one it does not hold is a no-op.
 */
export async function releaseResource({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof resourceInput>): Promise<{
  check: EntitlementCheck;
  released: boolean;
}> {
  const { accountId, externalId, featureKey, resourceId, scopeKey } = parseInput(resourceInput, input);
  const account = await authorizeAccount({ actor, accountId, externalId, permission: 'entitlements.manage' });
  return withAccountLock(account.id, async ({ trx }) => {
    const profile = await loadEntitlementProfile({ trx, accountId: account.id });
    checkScopeKey(
      profile.entitlements.find((candidate) => candidate.featureKey === featureKey),
      scopeKey,
    );
    // Without a parent, every registration of the id goes: a limit that was per resource on an earlier
    // plan may have left it under several.
    const deleted = await trx('entitledResources')
      .where({ accountId: account.id, featureKey, resourceId, ...(scopeKey !== null && { scopeKey }) })
      .delete();
    return {
      check: await evaluateEntitlement({ trx, accountId: account.id, profile, featureKey, scopeKey }),
      released: deleted > 0,
    };
  });
}

/**
 * The feature's entitlement as it stands, for whoever may register and release its resources: what a
 * replayed register or release answers (it does not act again, and needs no read scope the first call
 * did not need).
 */
export async function resourceCheck({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof resourceInput>): Promise<EntitlementCheck> {
  const { accountId, externalId, featureKey, scopeKey } = parseInput(resourceInput, input);
  const account = await authorizeAccount({ actor, accountId, externalId, permission: 'entitlements.manage' });
  const profile = await loadEntitlementProfile({ accountId: account.id });
  return evaluateEntitlement({ accountId: account.id, profile, featureKey, scopeKey });
}
