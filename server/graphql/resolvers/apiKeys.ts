import { createApiKey, listApiKeys, revokeApiKey } from '../../auth/apiKeys';
import { withOptionalAccountId } from '../accountReference';
import type { Resolvers } from '../generated/resolvers';

export const apiKeyResolvers: Resolvers = {
  Mutation: {
    createApiKey: async (_parent, { input }, { actor }) =>
      createApiKey({ actor, ...(await withOptionalAccountId(actor, input)) }),
    revokeApiKey: (_parent, { id }, { actor }) => revokeApiKey({ actor, apiKeyId: id }),
  },
  Account: {
    apiKeys: (account, _args, { actor }) => listApiKeys({ actor, accountId: account.id }),
  },
  ApiScope: {
    ACCOUNTS_READ: 'accounts:read',
    ACCOUNTS_WRITE: 'accounts:write',
    BILLING_READ: 'billing:read',
    BILLING_WRITE: 'billing:write',
    USAGE_READ: 'usage:read',
    USAGE_WRITE: 'usage:write',
    CREDITS_READ: 'credits:read',
    CREDITS_WRITE: 'credits:write',
    ENTITLEMENTS_READ: 'entitlements:read',
    ENTITLEMENTS_WRITE: 'entitlements:write',
    CATALOG_WRITE: 'catalog:write',
    WEBHOOKS_READ: 'webhooks:read',
    WEBHOOKS_WRITE: 'webhooks:write',
  },
};
