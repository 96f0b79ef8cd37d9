import type { MembershipRole } from '../../server/accounts/Membership';
import { PERMISSIONS } from '../../server/auth/authorization';
import { API_SCOPES, type ApiScope } from '../../server/auth/scopes';
import type { AccessCheck, AccessRule } from './accessRules';

/**
 * Every kind of caller an access rule is tried with, and what each should get, worked out from the
 * rule's checks and PERMISSIONS (server/auth/authorization.ts) rather than written down per operation:
 * change who holds a permission there and the expectations here follow.
 */
export type AccessCaller =
  | { kind: 'visitor' }
  | { kind: 'member'; role: MembershipRole }
  | { kind: 'owner of another account' }
  | { kind: 'platform admin' }
  | { kind: 'API key'; boundTo: 'the account' | 'another account' | 'every account'; scopes: ApiScope[] };

export interface AccessCase {
  label: string;
  caller: AccessCaller;
  /** OK, the rule's outcome for a caller that gets through, or the refusal's error code. */
  expected: string;
}

/** The callers to try a rule with, each labelled with who it is and what it should get. */
export function accessCases(rule: AccessRule): AccessCase[] {
  const needed = neededScopes(rule.checks);
  const own = ownScope(rule.checks);
  const keyScopes = needed.length > 0 ? needed : [...API_SCOPES];
  const withScopes = needed.length > 0 ? `with ${needed.join(', ')}` : 'with every scope';
  const withoutOwn = own ? API_SCOPES.filter((scope) => scope !== own) : null;
  const callers: Array<[string, AccessCaller]> = [
    ['a visitor', { kind: 'visitor' }],
    ['a member of the account', { kind: 'member', role: 'member' }],
    ['an admin of the account', { kind: 'member', role: 'admin' }],
    ['the account’s owner', { kind: 'member', role: 'owner' }],
    ['the owner of another account', { kind: 'owner of another account' }],
    ['a platform admin', { kind: 'platform admin' }],
    [`a key for the account ${withScopes}`, { kind: 'API key', boundTo: 'the account', scopes: keyScopes }],
    [
      `a key for another account ${withScopes}`,
      { kind: 'API key', boundTo: 'another account', scopes: keyScopes },
    ],
    [
      `a key for every account ${withScopes}`,
      { kind: 'API key', boundTo: 'every account', scopes: keyScopes },
    ],
  ];
  if (withoutOwn) {
    callers.push(
      [
        `a key for the account without ${own}`,
        { kind: 'API key', boundTo: 'the account', scopes: withoutOwn },
      ],
      [
        `a key for every account without ${own}`,
        { kind: 'API key', boundTo: 'every account', scopes: withoutOwn },
      ],
    );
  }
  return callers.map(([label, caller]) => {
    const expected = refusalOf(caller, rule.checks) ?? rule.outcome ?? 'OK';
    return { label, caller, expected };
  });
}

/** The code of the first check the caller fails, as the product reports it; null when it passes them all. */
export function refusalOf(caller: AccessCaller, checks: AccessCheck[]): string | null {
  for (const check of checks) {
    const refusal = refusalByCheck(caller, check);
    if (refusal) return refusal;
  }
  return null;
}

function refusalByCheck(caller: AccessCaller, check: AccessCheck): string | null {
  if (caller.kind === 'visitor') return 'UNAUTHENTICATED';
  if (check === 'signed in') return null;
  if (check === 'user') return caller.kind === 'API key' ? 'FORBIDDEN' : null;
  if (check === 'platform admin') return caller.kind === 'platform admin' ? null : 'FORBIDDEN';
  if ('platformWideScope' in check) {
    const platformKey =
      caller.kind === 'API key' &&
      caller.boundTo === 'every account' &&
      caller.scopes.includes(check.platformWideScope);
    return caller.kind === 'platform admin' || platformKey ? null : 'FORBIDDEN';
  }
  const { roles, scope } = PERMISSIONS[check.permission];
  switch (caller.kind) {
    case 'platform admin':
      return null;
    // An account the caller has nothing to do with is reported as missing, so ids cannot be probed.
    case 'owner of another account':
      return 'NOT_FOUND';
    case 'member':
      return (roles as readonly MembershipRole[]).includes(caller.role) ? null : 'FORBIDDEN';
    case 'API key':
      if (caller.boundTo === 'another account') return 'NOT_FOUND';
      return caller.scopes.includes(scope) ? null : 'FORBIDDEN';
  }
}

function neededScopes(checks: AccessCheck[]): ApiScope[] {
  return [...new Set(checks.map(scopeOf).filter((scope): scope is ApiScope => scope !== null))];
}

/** The scope of the operation's own (last) check: the one a key that lacks it shows is needed. */
function ownScope(checks: AccessCheck[]): ApiScope | null {
  return checks.map(scopeOf).findLast((scope) => scope !== null) ?? null;
}

function scopeOf(check: AccessCheck): ApiScope | null {
  if (typeof check === 'string') return null;
  return 'permission' in check ? PERMISSIONS[check.permission].scope : check.platformWideScope;
}
