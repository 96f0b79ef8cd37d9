import { z } from 'zod';
import { Plan } from '../catalog/Plan';
import { countResources, SEATS_FEATURE } from '../entitlements/resourceCounts';
import { ValidationError } from '../errors';

/** The seats a customer may ask for, wherever they choose a plan (Checkout, a plan change, seats). */
export const seatsInput = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(10_000, 'is at most 10,000');

/**
 * A plan a customer may choose themselves, for Checkout and for plan changes alike: active, not sold by
 * the sales team, and priced in the account's currency. Whether it is bought through Checkout or
 * switched to is the caller's rule.
 */
export async function findPlanOnSale({ planId, currency }: { planId: string; currency: string }) {
  const plan = await Plan.query().findById(planId);
  if (!plan || !plan.active) throw ValidationError.forField('planId', 'is not a plan on sale');
  if (plan.purchaseMode === 'contact_sales')
    throw ValidationError.forField('planId', `${plan.name} is sold by our sales team; contact sales`);
  if (plan.currency !== currency && !plan.isDefault)
    throw ValidationError.forField(
      'planId',
      `is priced in ${plan.currency.toUpperCase()}; the account pays in ${currency.toUpperCase()}`,
    );
  return plan;
}

/**
 * How many seats a subscription to `plan` gets: one, unless the plan is priced per seat; then the seats
 * asked for, by default the seats in use or the seats held now, whichever is more. Never fewer than the
 * seats in use: the account's members and the seats partners registered for their own users.
 */
export async function seatCountFor({
  plan,
  accountId,
  seats,
  seatsHeld = 1,
}: {
  plan: Plan;
  accountId: string;
  seats: number | null | undefined;
  /** The current subscription's seats, when it is on a per-seat plan. */
  seatsHeld?: number;
}): Promise<number> {
  if (!plan.perSeat) {
    if (seats && seats !== 1) throw ValidationError.forField('seats', `${plan.name} is not priced per seat`);
    return 1;
  }
  const inUse = await countResources({ accountId, featureKey: SEATS_FEATURE });
  const chosen = seats ?? Math.max(inUse, seatsHeld, 1);
  if (chosen < inUse) throw ValidationError.forField('seats', `must be at least ${inUse}, the seats in use`);
  return chosen;
}
