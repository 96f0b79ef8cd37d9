import type { Plan } from '../catalog/Plan';

export type PlanChangeKind = 'upgrade' | 'downgrade' | 'seats';

const monthsPerInterval = { month: 1, year: 12 } as const;

/**
 * Upgrades take effect at once (prorated); downgrades wait for the end of the period. A change of seats
 * alone is neither: it takes effect at once, prorated both ways, as Stripe prorates a quantity change
 * (fewer seats leave a credit toward the next invoice). Otherwise a higher tier is
 * an upgrade; within a tier, yearly over monthly is an upgrade (more commitment) and the reverse a
 * downgrade; otherwise more seats or a higher monthly-equivalent price is an upgrade.
 */
export function classifyPlanChange({
  from,
  to,
  fromSeats,
  toSeats,
}: {
  from: Plan;
  to: Plan;
  fromSeats: number;
  toSeats: number;
}): PlanChangeKind {
  if (from.id === to.id) return 'seats';
  if (to.tierRank !== from.tierRank) return to.tierRank > from.tierRank ? 'upgrade' : 'downgrade';
  if (
    from.billingInterval !== to.billingInterval &&
    from.billingInterval !== 'lifetime' &&
    to.billingInterval !== 'lifetime'
  ) {
    return to.billingInterval === 'year' ? 'upgrade' : 'downgrade';
  }
  const monthly = (plan: Plan, seats: number) =>
    plan.billingInterval === 'lifetime'
      ? 0
      : (plan.priceAmount * seats * 12) / monthsPerInterval[plan.billingInterval];
  return monthly(to, toSeats) >= monthly(from, fromSeats) ? 'upgrade' : 'downgrade';
}
