import { requireCatalogManager } from '../../auth/authorization';
import { listCreditPackages, listMeters, listPlans } from '../../catalog/catalog';
import { saveCreditPackage, withdrawCreditPackage } from '../../catalog/creditPackages';
import { archiveMeter, saveMeter } from '../../catalog/meters';
import { archivePlan, createPlanDraft, publishPlan, updatePlanDraft } from '../../catalog/planDrafts';
import {
  migratePlanVersionSubscribers,
  previewPlanVersionMigration,
  type MigrationOutcome,
  type MigrationSubscriber,
} from '../../subscriptions/planVersionMigration';
import type { Resolvers } from '../generated/resolvers';
import { loadOptional } from '../loaders';
import { money } from '../money';

export const catalogResolvers: Resolvers = {
  Query: {
    plans: (_parent, { includeInactive }, { actor }) => listPlans({ actor, includeInactive }),
    creditPackages: (_parent, { includeInactive }, { actor }) =>
      listCreditPackages({ actor, includeInactive }),
    meters: (_parent, { includeInactive }, { actor }) => listMeters({ actor, includeInactive }),
    previewPlanVersionMigration: async (_parent, { fromPlanId, toPlanId, timing }, { actor }) => {
      const preview = await previewPlanVersionMigration({
        actor,
        fromPlanId,
        toPlanId,
        timing: timing === 'NOW' ? 'now' : 'at_renewal',
      });
      return migrationAnswer(
        preview.currency,
        preview.subscribers.map((row) => ({ ...row, outcome: 'pending', reason: null })),
      );
    },
  },
  Mutation: {
    createPlanDraft: (_parent, { input }, { actor }) => createPlanDraft({ actor, input }),
    updatePlanDraft: (_parent, { id, input }, { actor }) => updatePlanDraft({ actor, planId: id, input }),
    publishPlan: (_parent, { id }, { actor }) => publishPlan({ actor, planId: id }),
    archivePlan: (_parent, { id }, { actor }) => archivePlan({ actor, planId: id }),
    saveMeter: async (_parent, { input, createOnly }, { actor }) =>
      (await saveMeter({ actor, input, createOnly: createOnly ?? false })).meter,
    archiveMeter: (_parent, { key }, { actor }) => archiveMeter({ actor, key }),
    saveCreditPackage: async (_parent, { input, createOnly }, { actor }) =>
      (await saveCreditPackage({ actor, input, createOnly: createOnly ?? false })).creditPackage,
    withdrawCreditPackage: (_parent, { key }, { actor }) => withdrawCreditPackage({ actor, key }),
    migratePlanVersionSubscribers: async (_parent, { input }, { actor }) => {
      const migrated = await migratePlanVersionSubscribers({
        actor,
        fromPlanId: input.fromPlanId,
        toPlanId: input.toPlanId,
        timing: input.timing === 'NOW' ? 'now' : 'at_renewal',
      });
      return migrationAnswer(migrated.currency, migrated.results);
    },
  },
  Plan: {
    interval: (plan) => plan.billingInterval,
    price: (plan) => money(plan.priceAmount, plan.currency),
    entitlements: (plan, _args, { loaders }) =>
      plan.entitlements ?? loaders.entitlementsByPlanId.load(plan.id),
    // Who buys what is the operator's business, not the public catalog's.
    subscriberCount: (plan, _args, { actor, loaders }) => {
      requireCatalogManager(actor);
      return loaders.subscriberCountByPlanId.load(plan.id);
    },
  },
  Entitlement: {
    limit: (entitlement) => (entitlement.unlimited ? null : entitlement.limitValue),
    meter: async (entitlement, _args, { loaders }) =>
      entitlement.meter ?? loadOptional(loaders.meterById, entitlement.meterId),
    overagePrice: async (entitlement, _args, { loaders }) => {
      if (entitlement.overageUnitAmount === null) return null;
      const plan = await loaders.planById.load(entitlement.planId);
      return {
        price: money(entitlement.overageUnitAmount, plan?.currency ?? 'usd'),
        blockSize: entitlement.overageBlockSize,
      };
    },
    creditAllowanceMilliCredits: (entitlement) => entitlement.creditAllowance,
  },
  Meter: {
    creditCostMilliCredits: (meter) => meter.creditCostPerUnit,
    property: (meter) => meter.fieldName,
  },
  CreditPackage: {
    milliCredits: (creditPackage) => creditPackage.credits,
    price: (creditPackage) => money(creditPackage.priceAmount, creditPackage.currency),
  },
  BillingInterval: { MONTH: 'month', YEAR: 'year', LIFETIME: 'lifetime' },
  PurchaseMode: { SELF_SERVE: 'self_serve', CONTACT_SALES: 'contact_sales' },
  PlanStatus: { DRAFT: 'draft', PUBLISHED: 'published', ARCHIVED: 'archived' },
  EntitlementKind: { BOOLEAN: 'boolean', LIMIT: 'limit', METERED: 'metered', CREDITS: 'credits' },
  EntitlementScope: { ACCOUNT: 'account', PER_RESOURCE: 'per_resource' },
  MeterAggregation: {
    SUM: 'sum',
    COUNT: 'count',
    MAX: 'max',
    UNIQUE_COUNT: 'unique_count',
    LATEST: 'latest',
  },
};

function migrationAnswer(
  currency: string,
  rows: Array<
    MigrationSubscriber & { outcome: MigrationOutcome['outcome'] | 'pending'; reason: string | null }
  >,
) {
  return {
    subscribers: rows.map((row) => ({
      ...row,
      currentPrice: money(row.currentPrice, currency),
      newPrice: money(row.newPrice, currency),
      periodDifference: money(row.periodDifference, currency),
      amountDueNow: row.amountDueNow === null ? null : money(row.amountDueNow, currency),
      outcome: row.outcome.toUpperCase() as 'PENDING' | 'MIGRATED' | 'SCHEDULED' | 'SKIPPED' | 'FAILED',
    })),
    movedCount: rows.filter((row) => row.outcome === 'migrated' || row.outcome === 'scheduled').length,
    notMovedCount: rows.filter((row) => row.outcome === 'skipped' || row.outcome === 'failed').length,
  };
}
