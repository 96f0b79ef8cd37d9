import { z } from 'zod';
import { Account } from '../accounts/Account';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { paginateNewestFirst, type Page } from '../pagination';
import type { SubscriptionStatus } from '../subscriptions/Subscription';
import { CURRENT_STATUSES } from '../subscriptions/Subscription';
import { parseInput } from '../validation';

const filters = z.object({
  search: z.string().trim().max(200, 'is at most 200 characters').nullish(),
  planKey: z.string().trim().max(100, 'is at most 100 characters').nullish(),
  status: z
    .string()
    .refine(
      (status) => (CURRENT_STATUSES as readonly string[]).includes(status),
      'is never the status of a current subscription: an account whose subscription ended is back on the default plan',
    )
    .nullish(),
  pastDue: z.boolean().nullish(),
});

export type AccountPage = Page<Account> & { totalCount: number };

/**
 * The admin console's account list, newest first: a search over name, external id, billing email and
 * members' emails, and filters on the current subscription's plan and status ("who is past due?", or
 * with pastDue false, who is not).
 */
export async function searchAccounts({
  actor,
  first,
  after,
  ...input
}: { actor: Actor; first?: number | null; after?: string | null } & z.input<typeof filters> & {
    status?: SubscriptionStatus | null;
  }): Promise<AccountPage> {
  requirePlatformAdmin(actor);
  const { search, planKey, status, pastDue } = parseInput(filters, input);
  const build = () => {
    const query = Account.query().whereNull('accounts.deletedAt');
    if (search) {
      const pattern = `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      query.where((where) =>
        where
          .whereILike('accounts.name', pattern)
          .orWhereILike('accounts.externalId', pattern)
          .orWhereILike('accounts.billingEmail', pattern)
          .orWhereExists((members) =>
            members
              .from('memberships')
              .join('users', 'users.id', 'memberships.userId')
              .whereRaw('memberships.account_id = accounts.id')
              .whereILike('users.email', pattern),
          ),
      );
    }
    if (planKey || status || pastDue != null) {
      query.whereExists((exists) => {
        exists
          .from('subscriptions')
          .whereRaw('subscriptions.account_id = accounts.id')
          .whereIn('subscriptions.status', [...CURRENT_STATUSES]);
        if (planKey) exists.join('plans', 'plans.id', 'subscriptions.planId').where('plans.key', planKey);
        if (status) exists.where('subscriptions.status', status);
        if (pastDue === true) exists.where('subscriptions.status', 'past_due');
        if (pastDue === false) exists.whereNot('subscriptions.status', 'past_due');
      });
    }
    return query;
  };
  const totalCount = await build().resultSize();
  const page = await paginateNewestFirst({
    query: build(),
    timestampColumn: 'accounts.createdAt',
    timestampOf: (account) => account.createdAt,
    first,
    after,
  });
  return { ...page, totalCount };
}
