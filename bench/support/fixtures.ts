import { upsertAccount } from '../../server/accounts/accounts';
import type { Account } from '../../server/accounts/Account';
import { systemActor } from '../../server/auth/actor';
import { issueApiKey } from '../../server/auth/apiKeys';
import type { ApiScope } from '../../server/auth/scopes';
import { grantCredits } from '../../server/credits/grants';

const actor = systemActor('benchmark setup');

/** A platform-wide partner key with the given scopes; returns the Authorization header. */
export async function partnerAuthorization(scopes: ApiScope[]): Promise<Record<string, string>> {
  const { secret } = await issueApiKey({ name: 'benchmark', scopes, accountId: null, createdByUserId: null });
  return { authorization: `Bearer ${secret}` };
}

/** Accounts provisioned the way partners provision them, each on the default plan with a balance. */
export async function createAccounts({
  count,
  prefix,
}: {
  count: number;
  prefix: string;
}): Promise<Account[]> {
  const accounts: Account[] = [];
  for (let index = 0; index < count; index += 1) {
    const { account } = await upsertAccount({
      actor,
      externalId: `${prefix}-${index}`,
      name: `${prefix} ${index}`,
    });
    accounts.push(account);
  }
  return accounts;
}

export async function fund({
  accountId,
  milliCredits,
}: {
  accountId: string;
  milliCredits: number;
}): Promise<void> {
  await grantCredits({
    actor,
    accountId,
    source: 'purchase',
    amount: milliCredits,
    idempotencyKey: `benchmark-funding-${accountId}`,
  });
}

export function graphqlBody(query: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

/** Fails the run on any GraphQL error: a benchmark of wrong answers measures nothing. */
export function dataOf<T = Record<string, any>>({ status, body }: { status: number; body: string }): T {
  const parsed = JSON.parse(body) as { data?: T; errors?: unknown[] };
  if (status !== 200 || parsed.errors) throw new Error(`request failed (${status}): ${body.slice(0, 500)}`);
  return parsed.data!;
}
