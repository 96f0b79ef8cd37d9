import { listFeatureFlags, setFeatureFlag } from '../../featureFlags/featureFlags';
import type { Resolvers } from '../generated/resolvers';

export const featureFlagResolvers: Resolvers = {
  Query: {
    featureFlags: (_parent, _args, { actor }) => listFeatureFlags({ actor }),
  },
  Mutation: {
    setFeatureFlag: (_parent, { key, enabled }, { actor }) => setFeatureFlag({ actor, key, enabled }),
  },
};
