import type { Actor } from '../auth/actor';
import { resolveAccountId } from '../auth/authorization';

/** How an input names an account: by our id, by the partner's external id, or by both when they agree. */
export interface AccountReference {
  accountId?: string | null;
  externalId?: string | null;
}

/**
 * At the edge, turns an input's account reference into our account id, so the services behind it take
 * the id alone and authorize it as always: an account the caller may not see is not found, however it
 * was named (server/auth/authorization.ts `resolveAccountId`).
 */
export async function withAccountId<Input extends AccountReference>(
  actor: Actor,
  { accountId, externalId, ...input }: Input,
): Promise<Omit<Input, keyof AccountReference> & { accountId: string }> {
  return { ...input, accountId: await resolveAccountId({ actor, accountId, externalId }) };
}

/**
 * For inputs where naming no account means "every account" (platform-wide keys and endpoints, filters):
 * resolves the reference only when one is given.
 */
export async function withOptionalAccountId<Input extends AccountReference>(
  actor: Actor,
  { accountId, externalId, ...input }: Input,
): Promise<Omit<Input, keyof AccountReference> & { accountId: string | null }> {
  if (!accountId && !externalId) return { ...input, accountId: null };
  return { ...input, accountId: await resolveAccountId({ actor, accountId, externalId }) };
}
