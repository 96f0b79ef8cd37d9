import { guardAccountFields } from '../fieldPermissions';
import { DateTimeScalar, SafeIntScalar } from '../scalars';
import type { Resolvers } from '../generated/resolvers';
import { accountResolvers } from './accounts';
import { adminResolvers } from './admin';
import { apiKeyResolvers } from './apiKeys';
import { billingResolvers } from './billing';
import { catalogResolvers } from './catalog';
import { checkoutResolvers } from './checkout';
import { creditResolvers } from './credits';
import { enumResolvers } from './enums';
import { featureFlagResolvers } from './featureFlags';
import { paymentResolvers } from './payments';
import { signUpResolvers } from './signUp';
import { stripeEventResolvers } from './stripeEvents';
import { subscriptionResolvers } from './subscriptions';
import { usageResolvers } from './usage';
import { viewerResolvers } from './viewer';

/** Resolvers are grouped by domain; this merges them type by type into the map Apollo wants. */
const groups: Resolvers[] = [
  catalogResolvers,
  accountResolvers,
  viewerResolvers,
  apiKeyResolvers,
  billingResolvers,
  checkoutResolvers,
  stripeEventResolvers,
  subscriptionResolvers,
  featureFlagResolvers,
  paymentResolvers,
  usageResolvers,
  creditResolvers,
  signUpResolvers,
  adminResolvers,
  enumResolvers,
];

export const resolvers: Resolvers = mergeResolvers(groups);

function mergeResolvers(parts: Resolvers[]): Resolvers {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    for (const [typeName, fields] of Object.entries(part)) {
      const target = (merged[typeName] ??= {});
      for (const [field, resolver] of Object.entries(fields as Record<string, unknown>)) {
        if (field in target) throw new Error(`Resolver ${typeName}.${field} is defined twice`);
        target[field] = resolver;
      }
    }
  }
  const all = merged as Resolvers;
  return {
    ...all,
    Account: guardAccountFields(all.Account),
    SafeInt: SafeIntScalar,
    DateTime: DateTimeScalar,
  };
}
