import { SCHEMA_MODULES, type SchemaModule } from '../apiSchema';
import { resolveAtAccountTime } from '../accountTimeResolvers';
import { guardAccountFields } from '../fieldPermissions';
import type { Resolvers } from '../generated/resolvers';
import { accountResolvers } from './accounts';
import { adminResolvers } from './admin';
import { apiKeyResolvers } from './apiKeys';
import { authResolvers } from './auth';
import { catalogResolvers } from './catalog';
import { checkoutResolvers } from './checkout';
import { commonResolvers } from './common';
import { contractResolvers } from './contracts';
import { creditResolvers } from './credits';
import { entitlementResolvers } from './entitlements';
import { featureFlagResolvers } from './featureFlags';
import { invoiceResolvers } from './invoices';
import { metricResolvers } from './metrics';
import { notificationResolvers } from './notifications';
import { partnerWebhookResolvers } from './partnerWebhooks';
import { paymentResolvers } from './payments';
import { reconciliationResolvers } from './reconciliation';
import { stripeEventResolvers } from './stripeEvents';
import { subscriptionResolvers } from './subscriptions';
import { testClockResolvers } from './testClocks';
import { usageResolvers } from './usage';

/**
 * One resolver module per schema module: `resolvers/<module>.ts` resolves what `schema/<module>.graphql`
 * defines, its fields of Query, Mutation and Account included (test/graphql/resolverLayout.test.ts).
 */
export const resolverModules: Record<SchemaModule, Resolvers> = {
  common: commonResolvers,
  catalog: catalogResolvers,
  accounts: accountResolvers,
  auth: authResolvers,
  apiKeys: apiKeyResolvers,
  subscriptions: subscriptionResolvers,
  checkout: checkoutResolvers,
  entitlements: entitlementResolvers,
  usage: usageResolvers,
  credits: creditResolvers,
  invoices: invoiceResolvers,
  payments: paymentResolvers,
  metrics: metricResolvers,
  reconciliation: reconciliationResolvers,
  admin: adminResolvers,
  notifications: notificationResolvers,
  featureFlags: featureFlagResolvers,
  stripeEvents: stripeEventResolvers,
  partnerWebhooks: partnerWebhookResolvers,
  contracts: contractResolvers,
  testClocks: testClockResolvers,
};

export const resolvers: Resolvers = mergeResolvers(SCHEMA_MODULES.map((module) => resolverModules[module]));

/** Merges the modules type by type into the map Apollo wants; every Account field behind its permission. */
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
  return resolveAtAccountTime({ ...all, Account: guardAccountFields(all.Account) });
}
