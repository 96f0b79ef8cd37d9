import { requirePlatformAdmin } from '../../auth/authorization';
import { listCreditPackages, listMeters, listPlans } from '../../catalog/catalog';
import type { Resolvers } from '../generated/resolvers';

export const catalogResolvers: Resolvers = {
  Query: {
    plans: (_parent, { includeInactive }, { actor }) => {
      if (includeInactive) requirePlatformAdmin(actor);
      return listPlans({ includeInactive: includeInactive ?? false });
    },
    creditPackages: () => listCreditPackages(),
    meters: () => listMeters(),
  },
  Plan: {
    interval: (plan) => plan.billingInterval,
    price: (plan) => ({ amount: plan.priceAmount, currency: plan.currency }),
    entitlements: (plan, _args, { loaders }) =>
      plan.entitlements ?? loaders.entitlementsByPlanId.load(plan.id),
  },
  Entitlement: {
    limit: (entitlement) => (entitlement.unlimited ? null : entitlement.limitValue),
    meter: async (entitlement, _args, { loaders }) =>
      entitlement.meter ??
      (entitlement.meterId ? ((await loaders.meterById.load(entitlement.meterId)) ?? null) : null),
    overagePrice: async (entitlement, _args, { loaders }) => {
      if (entitlement.overageUnitAmount === null) return null;
      const plan = await loaders.planById.load(entitlement.planId);
      return {
        price: { amount: entitlement.overageUnitAmount, currency: plan?.currency ?? 'usd' },
        blockSize: entitlement.overageBlockSize,
      };
    },
    creditAllowanceMilliCredits: (entitlement) => entitlement.creditAllowance,
  },
  Meter: {
    creditCostMilliCredits: (meter) => meter.creditCostPerUnit,
  },
  CreditPackage: {
    milliCredits: (creditPackage) => creditPackage.credits,
    price: (creditPackage) => ({ amount: creditPackage.priceAmount, currency: creditPackage.currency }),
  },
};
