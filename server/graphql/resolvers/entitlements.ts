import { checkEntitlement, listEntitlements } from '../../entitlements/entitlements';
import { requestResourceRegistration, requestResourceRelease } from '../../entitlements/resourceRequests';
import type { Resolvers } from '../generated/resolvers';

export const entitlementResolvers: Resolvers = {
  Query: {
    entitlement: (_parent, { accountId, externalId, featureKey, scopeKey }, { actor }) =>
      checkEntitlement({ actor, accountId, externalId, featureKey, scopeKey }),
  },
  Mutation: {
    registerResource: (_parent, { input }, { actor }) => requestResourceRegistration({ actor, ...input }),
    releaseResource: (_parent, { input }, { actor }) => requestResourceRelease({ actor, ...input }),
  },
  Account: {
    entitlements: (account, _args, { actor }) => listEntitlements({ actor, accountId: account.id }),
  },
};
