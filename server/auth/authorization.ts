import { Account } from '../accounts/Account';
import { Membership, type MembershipRole } from '../accounts/Membership';
import { onChange } from '../db/changeNotifications';
import { ExpiringCache } from '../expiringCache';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../errors';
import type { Actor, ApiKeyActor, UserActor } from './actor';
import { API_SCOPES, type ApiScope } from './scopes';

/**
 * The one place that decides who may do what to an account. A permission names the member roles that
 * hold it and the API scope a partner key needs for it; platform admins and system actors hold all.
 */
export const PERMISSIONS = {
  'account.read': { roles: ['owner', 'admin', 'member'], scope: 'accounts:read' },
  'account.manage': { roles: ['owner', 'admin'], scope: 'accounts:write' },
  'billing.read': { roles: ['owner', 'admin', 'member'], scope: 'billing:read' },
  'billing.manage': { roles: ['owner', 'admin'], scope: 'billing:write' },
  'usage.read': { roles: ['owner', 'admin', 'member'], scope: 'usage:read' },
  'usage.record': { roles: [], scope: 'usage:write' },
  'credits.read': { roles: ['owner', 'admin', 'member'], scope: 'credits:read' },
  'credits.consume': { roles: [], scope: 'credits:write' },
  'entitlements.read': { roles: ['owner', 'admin', 'member'], scope: 'entitlements:read' },
  'entitlements.manage': { roles: [], scope: 'entitlements:write' },
  // Only endpoints bound to the account; platform-wide ones hear of every account (partnerWebhooks/).
  'webhooks.read': { roles: ['owner', 'admin'], scope: 'webhooks:read' },
  'webhooks.manage': { roles: ['owner', 'admin'], scope: 'webhooks:write' },
  // Platform admins, and partner keys with `testing`: a customer cannot move their own account's time.
  'testing.clock': { roles: [], scope: 'testing' },
} as const satisfies Record<string, { roles: readonly MembershipRole[]; scope: ApiScope }>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * The API scopes a user's standing holds: every scope for a platform admin; for a member of an account,
 * the scopes of the permissions the role holds; none otherwise. An API key never holds more than its
 * creator (server/auth/apiKeys.ts).
 */
export function scopesHeldBy({
  isPlatformAdmin,
  role,
}: {
  isPlatformAdmin: boolean;
  role: MembershipRole | null;
}): ReadonlySet<ApiScope> {
  if (isPlatformAdmin) return new Set(API_SCOPES);
  return new Set(
    Object.values(PERMISSIONS)
      .filter((rule) => role !== null && (rule.roles as readonly MembershipRole[]).includes(role))
      .map((rule) => rule.scope),
  );
}

export function requireAuthenticated(actor: Actor): asserts actor is Exclude<Actor, { kind: 'anonymous' }> {
  if (actor.kind === 'anonymous') throw new UnauthenticatedError();
}

export function requireUser(actor: Actor): asserts actor is UserActor {
  requireAuthenticated(actor);
  if (actor.kind !== 'user') throw new ForbiddenError('This operation is for signed-in users.');
}

export function requirePlatformAdmin(actor: Actor): void {
  requireAuthenticated(actor);
  if (!isPlatformWide(actor) || actor.kind === 'apiKey') {
    throw new ForbiddenError('This operation is for platform admins.');
  }
}

/**
 * The catalog (plans, meters, credit packages) belongs to no account: platform admins manage it, and so
 * do platform-wide API keys with catalog:write. A key bound to an account never does, whatever its scopes.
 */
export function requireCatalogManager(actor: Actor): void {
  requireAuthenticated(actor);
  if (isPlatformWide(actor)) return;
  if (actor.kind === 'apiKey' && actor.accountId === null && actor.scopes.has('catalog:write')) return;
  throw new ForbiddenError(
    'Managing the catalog is for platform admins and platform-wide API keys with the catalog:write scope.',
  );
}

/** Platform admins and system actors see every account. */
export function isPlatformWide(actor: Actor): boolean {
  return (actor.kind === 'user' && actor.isPlatformAdmin) || actor.kind === 'system';
}

/**
 * Finds the account and checks the actor may exercise `permission` on it. An account the actor cannot
 * see at all is reported as not found, so ids and external ids cannot be probed; one it can see but
 * not act on is forbidden.
 */
export async function authorizeAccount({
  actor,
  accountId,
  externalId,
  permission,
}: {
  actor: Actor;
  accountId?: string | null;
  externalId?: string | null;
  permission: Permission;
}): Promise<Account> {
  requireAuthenticated(actor);
  if (!accountId && !externalId) {
    throw new ValidationError('Name the account by its id or externalId.', {
      id: 'give id or externalId',
      externalId: 'give id or externalId',
    });
  }
  const account = await findLiveAccount(accountId ? { accountId } : { externalId });
  if (!account) throw new NotFoundError('Account');
  await assertPermission({ actor, account, permission });
  assertSameAccount(account, externalId);
  return account;
}

/**
 * Resolves the account a request names, by our id, by the partner's external id, or by both (which must
 * then agree), into our id, for services that take only the id (server/graphql/accountReference.ts).
 * The service still authorizes it. Nothing here tells more than the id would: an account the actor
 * cannot see is not found, whichever way it was named, before the two names are compared.
 */
export async function resolveAccountId({
  actor,
  accountId,
  externalId,
}: {
  actor: Actor;
  accountId?: string | null;
  externalId?: string | null;
}): Promise<string> {
  requireAuthenticated(actor);
  if (accountId && !externalId) return accountId;
  if (!accountId && !externalId) {
    throw new ValidationError('Name the account by accountId or externalId.', {
      accountId: 'give accountId or externalId',
      externalId: 'give accountId or externalId',
    });
  }
  const account = await findLiveAccount(accountId ? { accountId } : { externalId });
  if (!account || !(await canSee(actor, account))) throw new NotFoundError('Account');
  assertSameAccount(account, externalId);
  return account.id;
}

/** Both names given: the external id must be the account's own. */
function assertSameAccount(account: Account, externalId: string | null | undefined): void {
  if (externalId && account.externalId !== externalId)
    throw ValidationError.forField('externalId', 'is not the external id of the account accountId names');
}

/** Whether the actor sees the account at all (what it may do there is `assertPermission`'s question). */
async function canSee(actor: Exclude<Actor, { kind: 'anonymous' }>, account: Account): Promise<boolean> {
  if (isPlatformWide(actor)) return true;
  if (actor.kind === 'apiKey') return actor.accountId === null || actor.accountId === account.id;
  if (actor.kind !== 'user') return false;
  return (await roleInAccount({ accountId: account.id, userId: actor.userId })) !== null;
}

/** A user's role in an account, or null when they are not a member. */
export type RoleLookup = (membership: {
  accountId: string;
  userId: string;
}) => Promise<MembershipRole | null>;

const roleInAccount: RoleLookup = async ({ accountId, userId }) =>
  (await Membership.query().findOne({ accountId, userId }))?.role ?? null;

/** `roleOf` lets a caller that checks many fields of one request look the role up once. */
export async function assertPermission({
  actor,
  account,
  permission,
  roleOf = roleInAccount,
}: {
  actor: Actor;
  account: Account;
  permission: Permission;
  roleOf?: RoleLookup;
}): Promise<void> {
  requireAuthenticated(actor);
  const rule = PERMISSIONS[permission];
  if (actor.kind === 'system' || (actor.kind === 'user' && actor.isPlatformAdmin)) return;
  if (actor.kind === 'apiKey') return assertApiKeyPermission(actor, account, rule.scope);

  const role = await roleOf({ accountId: account.id, userId: actor.userId });
  if (!role) throw new NotFoundError('Account');
  if (!(rule.roles as readonly MembershipRole[]).includes(role)) {
    throw new ForbiddenError(`Your role (${role}) does not allow ${permission}.`);
  }
}

function assertApiKeyPermission(actor: ApiKeyActor, account: Account, scope: ApiScope): void {
  if (actor.accountId !== null && actor.accountId !== account.id) throw new NotFoundError('Account');
  if (!actor.scopes.has(scope)) throw new ForbiddenError(`This API key lacks the ${scope} scope.`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every account-scoped call starts here, so each process caches accounts (by id, and external id → id,
 * which never changes). A trigger announces every change to an account row and drops it everywhere;
 * callers get a copy, so what they change never leaks into the cache.
 */
const accountsById = new ExpiringCache<Account>(30_000, { refreshWhileServing: true });
const accountIdsByExternalId = new ExpiringCache<string>(30_000, { refreshWhileServing: true });
onChange(
  'account_changed',
  (id) => accountsById.delete(id),
  () => {
    accountsById.clear();
    accountIdsByExternalId.clear();
  },
);

async function findLiveAccount({
  accountId,
  externalId,
}: {
  accountId?: string | null;
  externalId?: string | null;
}): Promise<Account | undefined> {
  const id = accountId
    ? UUID.test(accountId)
      ? accountId
      : undefined
    : externalId
      ? await accountIdOf(externalId)
      : undefined;
  if (!id) return undefined;
  const account = await accountsById.get(id, async () => Account.query().findById(id));
  return account && !account.deletedAt ? account.$clone() : undefined;
}

function accountIdOf(externalId: string): Promise<string | undefined> {
  return accountIdsByExternalId.get(
    externalId,
    async () => (await Account.query().findOne({ externalId }).select('id'))?.id,
  );
}
