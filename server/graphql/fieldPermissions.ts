import type { GraphQLFieldResolver } from 'graphql';
import type { Account } from '../accounts/Account';
import { assertPermission, requirePlatformAdmin, type Permission } from '../auth/authorization';
import type { GraphQLContext } from './context';
import type { AccountResolvers } from './generated/resolvers';

/**
 * What reading each field of an Account takes, beyond having reached the account (by `account`, a
 * membership, the admin console or a mutation's payload). Every field is listed: the type's keys come
 * from the schema through codegen, so a new field does not compile until it says what it needs, and
 * `guardAccountFields` checks it before the field's resolver runs, whichever way the account was reached.
 * Services check again; this table is what makes it impossible to forget.
 *
 * `reached`: nothing more (the id names the account the caller already holds).
 */
export const ACCOUNT_FIELD_PERMISSIONS = {
  id: 'reached',
  name: 'account.read',
  externalId: 'account.read',
  billingEmail: 'account.read',
  currency: 'account.read',
  createdAt: 'account.read',
  timeZone: 'account.read',
  locale: 'account.read',
  members: 'account.read',
  invitations: 'account.manage',
  apiKeys: 'account.manage',
  webhookEndpoints: 'webhooks.read',
  subscription: 'billing.read',
  contract: 'billing.read',
  invoices: 'billing.read',
  payments: 'billing.read',
  cardOnFile: 'billing.read',
  upcomingInvoice: 'billing.read',
  checkoutSession: 'billing.read',
  usageSummary: 'usage.read',
  usageSeries: 'usage.read',
  creditBalance: 'credits.read',
  creditLedger: 'credits.read',
  creditGrants: 'credits.read',
  autoTopUp: 'credits.read',
  entitlements: 'entitlements.read',
  featureFlags: 'account.read',
  featureFlag: 'account.read',
  testClock: 'account.read',
  auditLog: 'platform admin',
} as const satisfies Record<keyof Required<AccountResolvers>, Permission | 'platform admin' | 'reached'>;

type AccountFieldResolver = GraphQLFieldResolver<Account, GraphQLContext>;

/** Wraps every Account field, default resolvers included, in the check its entry asks for. */
export function guardAccountFields(resolvers: AccountResolvers = {}): AccountResolvers {
  const guarded: Record<string, AccountFieldResolver> = {};
  for (const [field, requirement] of Object.entries(ACCOUNT_FIELD_PERMISSIONS)) {
    const own: unknown = resolvers[field as keyof AccountResolvers];
    if (own !== undefined && typeof own !== 'function')
      throw new Error(`Account.${field} must be a function`);
    const resolve: AccountFieldResolver =
      (own as AccountFieldResolver | undefined) ?? ((account) => account[field as keyof Account]);
    guarded[field] =
      requirement === 'reached'
        ? resolve
        : async (account, args, context, info) => {
            await checkOnce(context, account, requirement);
            return resolve(account, args, context, info);
          };
  }
  return guarded as AccountResolvers;
}

/** A page reads many fields of one account: each distinct check runs once per request. */
function checkOnce(
  { actor, loaders }: GraphQLContext,
  account: Account,
  requirement: Permission | 'platform admin',
): Promise<void> {
  const key = `${account.id}:${requirement}`;
  let check = loaders.permissionChecks.get(key);
  if (!check) {
    check =
      requirement === 'platform admin'
        ? Promise.resolve().then(() => requirePlatformAdmin(actor))
        : assertPermission({
            actor,
            account,
            permission: requirement,
            roleOf: async ({ accountId, userId }) => loaders.membershipRole.load(`${accountId}:${userId}`),
          });
    loaders.permissionChecks.set(key, check);
  }
  return check;
}
