import { z } from 'zod';
import { now } from '../clock';
import { onChange } from '../db/changeNotifications';
import { ExpiringCache } from '../expiringCache';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../errors';
import { recordAudit } from '../audit/auditLog';
import { parseInput } from '../validation';
import type { Actor, ApiKeyActor, UserActor } from './actor';
import { ApiKey } from './ApiKey';
import {
  assertPermission,
  authorizeAccount,
  requirePlatformAdmin,
  requireUser,
  scopesHeldBy,
} from './authorization';
import { returnOriginInput } from '../returnUrls';
import { API_SCOPES, isApiScope, type ApiScope } from './scopes';
import { generateToken, hashToken, randomAlphanumeric, tokensMatch } from './secrets';
import { Account } from '../accounts/Account';
import { Membership } from '../accounts/Membership';
import { User } from './User';

/**
 * Partner API keys look like `bsk_<8 chars>_<43 chars>`. The first two parts are the public prefix,
 * stored in clear to find the key and to show in lists; the whole key is stored only as a hash and
 * shown once, when it is created.
 */
const KEY_PATTERN = /^(bsk_[A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 60_000;

const createApiKeyInput = z.object({
  name: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters'),
  scopes: z.array(z.enum(API_SCOPES)).min(1, 'needs at least one scope'),
  accountId: z.string().uuid('is not an account id').nullish(),
  expiresAt: z.date().nullish(),
  returnOrigins: z.array(returnOriginInput).max(10, 'holds at most 10 origins').nullish(),
});

export async function createApiKey({
  actor,
  ...input
}: {
  actor: Actor;
  name: string;
  scopes: ApiScope[];
  accountId?: string | null;
  expiresAt?: Date | null;
  returnOrigins?: string[] | null;
}): Promise<{ apiKey: ApiKey; secret: string }> {
  const { name, scopes, accountId, expiresAt, returnOrigins } = parseInput(createApiKeyInput, input);
  requireUser(actor);
  // Account-bound keys are managed by the account's owners and admins; platform-wide keys by platform admins.
  if (accountId) {
    await authorizeAccount({ actor, accountId, permission: 'account.manage' });
    await assertCreatorHolds({ actor, accountId, scopes });
    // It would never work: the catalog belongs to no account (requireCatalogManager).
    if (scopes.includes('catalog:write'))
      throw ValidationError.forField('scopes', 'catalog:write is for platform-wide keys only');
  } else requirePlatformAdmin(actor);

  const { apiKey, secret } = await issueApiKey({
    name,
    scopes,
    accountId: accountId ?? null,
    expiresAt: expiresAt ?? null,
    returnOrigins: returnOrigins ?? [],
    createdByUserId: actor.userId,
  });
  await recordAudit({
    actor,
    accountId: apiKey.accountId,
    action: 'api_key.created',
    target: { type: 'api_key', id: apiKey.id },
    details: {
      prefix: apiKey.prefix,
      scopes: apiKey.scopes,
      // Only when set: most keys have none, and their entries read as before.
      ...(apiKey.returnOrigins.length > 0 && { returnOrigins: apiKey.returnOrigins }),
    },
  });
  return { apiKey, secret };
}

/**
 * A key never does more than the user who creates it: owners and admins may not record usage, spend
 * credits or register resources, so they cannot hand a key that does either.
 */
async function assertCreatorHolds({
  actor,
  accountId,
  scopes,
}: {
  actor: UserActor;
  accountId: string;
  scopes: ApiScope[];
}): Promise<void> {
  if (actor.isPlatformAdmin) return;
  const membership = await Membership.query().findOne({ accountId, userId: actor.userId });
  const role = membership?.role ?? null;
  const held = scopesHeldBy({ isPlatformAdmin: false, role });
  const beyond = [...new Set(scopes)].filter((scope) => !held.has(scope));
  if (beyond.length > 0) {
    throw new ForbiddenError(
      `A key cannot do more than its creator: your role (${role}) does not hold ${beyond.join(', ')}.`,
      { scopes: beyond },
    );
  }
}

/** Mints a key without an authorization check: for createApiKey above and for seeding demo data. */
export async function issueApiKey({
  name,
  scopes,
  accountId,
  expiresAt = null,
  returnOrigins = [],
  createdByUserId,
}: {
  name: string;
  scopes: ApiScope[];
  accountId: string | null;
  expiresAt?: Date | null;
  returnOrigins?: string[];
  createdByUserId: string | null;
}): Promise<{ apiKey: ApiKey; secret: string }> {
  const prefix = `bsk_${randomAlphanumeric(8)}`;
  const secret = `${prefix}_${generateToken(32)}`;
  const apiKey = await ApiKey.query().insertAndFetch({
    name,
    prefix,
    secretHash: hashToken(secret),
    scopes: [...new Set(scopes)],
    accountId,
    returnOrigins: [...new Set(returnOrigins.map((origin) => new URL(origin).origin))],
    createdByUserId,
    expiresAt,
  });
  return { apiKey, secret };
}

export async function revokeApiKey({ actor, apiKeyId }: { actor: Actor; apiKeyId: string }): Promise<ApiKey> {
  requireUser(actor);
  const apiKey = await ApiKey.query().findById(apiKeyId);
  if (!apiKey) throw new NotFoundError('API key');
  if (apiKey.accountId) {
    const account = await Account.query().findById(apiKey.accountId);
    if (!account) throw new NotFoundError('API key');
    await assertPermission({ actor, account, permission: 'account.manage' }).catch((error: unknown) => {
      throw error instanceof NotFoundError ? new NotFoundError('API key') : error;
    });
  } else {
    requirePlatformAdmin(actor);
  }
  if (apiKey.revokedAt) return apiKey;
  const revoked = await ApiKey.query().patchAndFetchById(apiKey.id, { revokedAt: now() });
  keysByPrefix.delete(apiKey.prefix);
  await recordAudit({
    actor,
    accountId: apiKey.accountId,
    action: 'api_key.revoked',
    target: { type: 'api_key', id: apiKey.id },
    details: { prefix: apiKey.prefix },
  });
  return revoked;
}

export async function listApiKeys({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<ApiKey[]> {
  await authorizeAccount({ actor, accountId, permission: 'account.manage' });
  return ApiKey.query().where({ accountId }).orderBy('createdAt', 'desc');
}

/**
 * Keys are read on every partner request, so each process caches them by prefix, with what their
 * creator may do. Any change to a key row (a revocation above all), and any change to anyone's
 * standing (a role, a membership, platform admin rights), is announced by a trigger and drops it from
 * every process's cache (server/db/changeNotifications.ts); this process also drops a key at once when
 * it revokes it.
 */
interface CachedKey {
  apiKey: ApiKey;
  /** The scopes its creator holds now; null for a key the platform issued itself (no creator). */
  creatorScopes: ReadonlySet<ApiScope> | null;
}

const keysByPrefix = new ExpiringCache<CachedKey>(30_000, { refreshWhileServing: true });
onChange(
  'api_key_changed',
  (prefix) => keysByPrefix.delete(prefix),
  () => keysByPrefix.clear(),
);
onChange(
  'user_access_changed',
  () => keysByPrefix.clear(),
  () => keysByPrefix.clear(),
);

const refused = () => new UnauthenticatedError('The API key is invalid, expired or revoked.');

/**
 * The actor behind a presented key. A malformed, unknown, expired or revoked key is refused outright.
 * A key acts with the scopes it was given that its creator still holds: a creator demoted to member
 * leaves it only reading; one removed from the account, deleted, or no longer a platform admin (for a
 * platform-wide key) leaves it nothing, and it is refused.
 */
export async function authenticateApiKey(presented: string): Promise<ApiKeyActor> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) throw refused();
  const prefix = match[1]!;
  const cached = await keysByPrefix.get(prefix, () => loadKey(prefix));
  const time = now();
  if (!cached || !tokensMatch(cached.apiKey.secretHash, hashToken(presented))) throw refused();
  const { apiKey, creatorScopes } = cached;
  if (apiKey.revokedAt || (apiKey.expiresAt && apiKey.expiresAt <= time)) throw refused();
  const scopes = apiKey.scopes
    .filter(isApiScope)
    .filter((scope) => !creatorScopes || creatorScopes.has(scope));
  if (scopes.length === 0) {
    throw new UnauthenticatedError(
      'The API key no longer works: the user who created it no longer holds any of its scopes.',
    );
  }

  if (!apiKey.lastUsedAt || time.getTime() - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    apiKey.lastUsedAt = time;
    await ApiKey.query().findById(apiKey.id).patch({ lastUsedAt: time });
  }
  return {
    kind: 'apiKey',
    apiKeyId: apiKey.id,
    scopes: new Set(scopes),
    accountId: apiKey.accountId,
    returnOrigins: apiKey.returnOrigins,
  };
}

async function loadKey(prefix: string): Promise<CachedKey | undefined> {
  const apiKey = await ApiKey.query().findOne({ prefix });
  return apiKey ? { apiKey, creatorScopes: await scopesOfCreator(apiKey) } : undefined;
}

async function scopesOfCreator(apiKey: ApiKey): Promise<ReadonlySet<ApiScope> | null> {
  if (!apiKey.createdByUserId) return null;
  const creator = await User.query().findById(apiKey.createdByUserId);
  if (!creator || creator.deletedAt) return new Set();
  if (creator.isPlatformAdmin) return null;
  const membership = apiKey.accountId
    ? await Membership.query().findOne({ accountId: apiKey.accountId, userId: creator.id })
    : undefined;
  return scopesHeldBy({ isPlatformAdmin: false, role: membership?.role ?? null });
}
