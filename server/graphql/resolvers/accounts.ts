import { getAccount, upsertAccount } from '../../accounts/accounts';
import { listApiKeys } from '../../auth/apiKeys';
import { getCreditBalance } from '../../credits/balances';
import { NotFoundError } from '../../errors';
import { listInvoices } from '../../invoices/invoices';
import { getUsageSummary } from '../../usage/usageSummary';
import type { Resolvers } from '../generated/resolvers';

export const accountResolvers: Resolvers = {
  Query: {
    account: (_parent, { id, externalId }, { actor }) => getAccount({ actor, accountId: id, externalId }),
  },
  Mutation: {
    upsertAccount: (_parent, { input }, { actor }) => upsertAccount({ actor, ...input }),
  },
  Account: {
    subscription: async (account, _args, { loaders }) =>
      (await loaders.currentSubscriptionByAccountId.load(account.id)) ?? null,
    creditBalance: (account, _args, { actor }) => getCreditBalance({ actor, accountId: account.id }),
    invoices: (account, { first, after }, { actor }) =>
      listInvoices({ actor, accountId: account.id, first, after }),
    usageSummary: (account, _args, { actor }) => getUsageSummary({ actor, accountId: account.id }),
    apiKeys: (account, _args, { actor }) => listApiKeys({ actor, accountId: account.id }),
  },
  Membership: {
    account: async (membership, _args, { loaders }) => {
      const account = await loaders.accountById.load(membership.accountId);
      if (!account || account.deletedAt) throw new NotFoundError('Account');
      return account;
    },
  },
};
