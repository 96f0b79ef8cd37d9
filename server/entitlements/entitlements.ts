import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { parseInput } from '../validation';
import { entitlementProfile, recentCheck } from './entitlementProfile';
import { evaluateEntitlement, type EntitlementCheck } from './evaluate';
import { announceLimitReached, warnNearLimit } from './softLimits';

const checkInput = z.object({
  featureKey: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'is not a feature key'),
});

/**
 * May this account do X? Answers for one feature key (a feature the plan lacks is simply not allowed),
 * for a partner key with `entitlements:read` or a member of the account.
 */
export async function checkEntitlement({
  actor,
  accountId,
  externalId,
  featureKey: rawFeatureKey,
}: {
  actor: Actor;
  accountId?: string | null;
  externalId?: string | null;
  featureKey: string;
}): Promise<EntitlementCheck> {
  const { featureKey: key } = parseInput(checkInput, { featureKey: rawFeatureKey });
  const account = await authorizeAccount({ actor, accountId, externalId, permission: 'entitlements.read' });
  const check = await recentCheck(account.id, key, async () =>
    evaluateEntitlement({
      accountId: account.id,
      profile: await entitlementProfile({ accountId: account.id }),
      featureKey: key,
    }),
  );
  if (check.softLimitReached) await warnNearLimit({ accountId: account.id, check });
  if (isLimitReached(check)) await announceLimitReached({ accountId: account.id, check });
  return check;
}

/** Every feature of the account's plan, with usage against each cap. */
export async function listEntitlements({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<EntitlementCheck[]> {
  await authorizeAccount({ actor, accountId, permission: 'entitlements.read' });
  const profile = await entitlementProfile({ accountId });
  return Promise.all(
    profile.entitlements.map((entitlement) =>
      evaluateEntitlement({ accountId, profile, featureKey: entitlement.featureKey }),
    ),
  );
}

/** Refused because a capped feature's limit is used up (not because the plan lacks it). */
function isLimitReached(check: EntitlementCheck): boolean {
  return !check.allowed && check.kind !== null && check.limit !== null;
}
