import { createApiKey, revokeApiKey } from '../../auth/apiKeys';
import type { Resolvers } from '../generated/resolvers';

export const apiKeyResolvers: Resolvers = {
  Mutation: {
    createApiKey: (_parent, { input }, { actor }) => createApiKey({ actor, ...input }),
    revokeApiKey: (_parent, { id }, { actor }) => revokeApiKey({ actor, apiKeyId: id }),
  },
};
