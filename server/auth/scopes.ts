/** What a partner API key may be allowed to do. A key holds one or more of these. */
export const API_SCOPES = [
  'accounts:read',
  'accounts:write',
  'billing:read',
  'billing:write',
  'usage:read',
  'usage:write',
  'credits:read',
  'credits:write',
  'entitlements:read',
  'entitlements:write',
  // Platform-wide keys only: the catalog belongs to no account.
  'catalog:write',
  'webhooks:read',
  'webhooks:write',
  // Moving accounts through time on test clocks (development and Stripe test mode only).
  'testing',
] as const;

export type ApiScope = (typeof API_SCOPES)[number];

export function isApiScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}
