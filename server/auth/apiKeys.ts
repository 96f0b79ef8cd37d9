import { z } from 'zod';
import { now } from '../clock';
import { onChange } from '../db/changeNotifications';
import { ExpiringCache } from '../expiringCache';
import { NotFoundError, UnauthenticatedError } from '../errors';
import { recordAudit } from '../audit/auditLog';
import { parseInput } from '../validation';
import type { Actor, ApiKeyActor } from './actor';
import { ApiKey } from './ApiKey';
import { assertPermission, authorizeAccount, requirePlatformAdmin, requireUser } from './authorization';
import { API_SCOPES, isApiScope, type ApiScope } from './scopes';
import { generateToken, hashToken, randomAlphanumeric, tokensMatch } from './secrets';
import { Account } from '../accounts/Account';

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
}): Promise<{ apiKey: ApiKey; secret: string }> {
  const { name, scopes, accountId, expiresAt } = parseInput(createApiKeyInput, input);
  requireUser(actor);
  // Account-bound keys are managed by the account's owners and admins; platform-wide keys by platform admins.
  if (accountId) await authorizeAccount({ actor, accountId, permission: 'account.manage' });
  else requirePlatformAdmin(actor);

  const { apiKey, secret } = await issueApiKey({
    name,
    scopes,
    accountId: accountId ?? null,
    expiresAt: expiresAt ?? null,
    createdByUserId: actor.userId,
  });
  await recordAudit({
    actor,
    accountId: apiKey.accountId,
    action: 'api_key.created',
    target: { type: 'api_key', id: apiKey.id },
    details: { prefix: apiKey.prefix, scopes: apiKey.scopes },
  });
  return { apiKey, secret };
}

/** Mints a key without an authorization check: for createApiKey above and for seeding demo data. */
export async function issueApiKey({
  name,
  scopes,
  accountId,
  expiresAt = null,
  createdByUserId,
}: {
  name: string;
  scopes: ApiScope[];
  accountId: string | null;
  expiresAt?: Date | null;
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
 * Keys are read on every partner request, so each process caches them by prefix. Any change to a key
 * row (a revocation above all) is announced by a trigger and drops it from every process's cache
 * (server/db/changeNotifications.ts); this process also drops it at once when it revokes a key.
 */
const keysByPrefix = new ExpiringCache<ApiKey>(30_000);
onChange(
  'api_key_changed',
  (prefix) => keysByPrefix.delete(prefix),
  () => keysByPrefix.clear(),
);

const refused = () => new UnauthenticatedError('The API key is invalid, expired or revoked.');

/** The actor behind a presented key. A malformed, unknown, expired or revoked key is refused outright. */
export async function authenticateApiKey(presented: string): Promise<ApiKeyActor> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) throw refused();
  const prefix = match[1]!;
  const apiKey = await keysByPrefix.get(prefix, async () => ApiKey.query().findOne({ prefix }));
  const time = now();
  if (!apiKey || !tokensMatch(apiKey.secretHash, hashToken(presented))) throw refused();
  if (apiKey.revokedAt || (apiKey.expiresAt && apiKey.expiresAt <= time)) throw refused();

  if (!apiKey.lastUsedAt || time.getTime() - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    apiKey.lastUsedAt = time;
    await ApiKey.query().findById(apiKey.id).patch({ lastUsedAt: time });
  }
  return {
    kind: 'apiKey',
    apiKeyId: apiKey.id,
    scopes: new Set(apiKey.scopes.filter(isApiScope)),
    accountId: apiKey.accountId,
  };
}
