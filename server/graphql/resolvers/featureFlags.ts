import {
  clearFeatureFlagOverride,
  listFeatureFlagOverrides,
  setFeatureFlagOverride,
} from '../../featureFlags/featureFlagOverrides';
import {
  createFeatureFlag,
  deleteFeatureFlag,
  getFeatureFlag,
  listFeatureFlags,
  setFeatureFlag,
  updateFeatureFlag,
} from '../../featureFlags/featureFlags';
import type { Resolvers } from '../generated/resolvers';

export const featureFlagResolvers: Resolvers = {
  Query: {
    featureFlags: (_parent, _args, { actor }) => listFeatureFlags({ actor }),
    featureFlag: (_parent, { key }, { actor }) => getFeatureFlag({ actor, key }),
  },
  Mutation: {
    createFeatureFlag: (_parent, { input }, { actor }) =>
      createFeatureFlag({ actor, ...input, rolloutPercent: input.rolloutPercent ?? undefined }),
    updateFeatureFlag: (_parent, { input }, { actor }) =>
      updateFeatureFlag({
        actor,
        key: input.key,
        description: input.description ?? undefined,
        enabled: input.enabled ?? undefined,
        rolloutPercent: input.rolloutPercent ?? undefined,
      }),
    deleteFeatureFlag: (_parent, { key }, { actor }) => deleteFeatureFlag({ actor, key }),
    setFeatureFlag: (_parent, { key, enabled }, { actor }) => setFeatureFlag({ actor, key, enabled }),
    setFeatureFlagOverride: (_parent, { input }, { actor }) => setFeatureFlagOverride({ actor, ...input }),
    clearFeatureFlagOverride: (_parent, { key, accountId }, { actor }) =>
      clearFeatureFlagOverride({ actor, key, accountId }),
  },
  FeatureFlagReason: { OVERRIDE: 'override', ROLLOUT: 'rollout', GLOBAL: 'global', DEFAULT: 'default' },
  FeatureFlag: {
    overrides: (flag, _args, { actor }) => listFeatureFlagOverrides({ actor, key: flag.key }),
  },
  Account: {
    // Who may read them is checked first (server/graphql/fieldPermissions.ts: account.read).
    featureFlags: (account, _args, { loaders }) => loaders.featureFlagsByAccountId.load(account.id),
    featureFlag: async (account, { key }, { loaders }) =>
      (await loaders.featureFlagsByAccountId.load(account.id)).some(
        (flag) => flag.key === key && flag.enabled,
      ),
  },
};
