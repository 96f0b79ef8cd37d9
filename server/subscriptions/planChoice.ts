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
 * How the API names a plan to buy or move to: by the version's id (`planId`), or by its key
 * (`planKey`), which means the version of that key on sale now. Exactly one of the two.
 */
export const planChoiceInput = {
  planId: z.string().uuid('is not a plan id').nullish(),
  planKey: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters').nullish(),
};

export interface PlanChoice {
  planId?: string | null;
  planKey?: string | null;
}

/** Refuses both or neither of `planId` and `planKey`, naming them (for a zod object's `superRefine`). */
export function checkPlanChoice(choice: PlanChoice, context: z.RefinementCtx): void {
  if (!choice.planId === !choice.planKey) {
    const message = choice.planId ? 'give planId or planKey, not both' : 'give planId or planKey';
    context.addIssue({ code: 'custom', path: ['planId'], message });
    context.addIssue({ code: 'custom', path: ['planKey'], message });
  }
}

/** The input field a problem with the chosen plan is reported against. */
export const planField = (choice: PlanChoice) => (choice.planKey ? 'planKey' : 'planId');

/** The chosen plan, when it is on sale: the version named, or the key's version on sale now. */
export async function findActivePlan(choice: PlanChoice): Promise<Plan> {
  const plan = choice.planKey
    ? await Plan.query().findOne({ key: choice.planKey, active: true })
    : choice.planId
      ? await Plan.query().findById(choice.planId)
      : undefined;
  if (!plan || !plan.active) throw ValidationError.forField(planField(choice), 'is not a plan on sale');
  return plan;
}

/**
 * A plan a customer may choose themselves, for Checkout and for plan changes alike: active, not sold by
 * the sales team, and priced in the account's currency. Whether it is bought through Checkout or
 * switched to is the caller's rule.
 */
export async function findPlanOnSale({ currency, ...choice }: PlanChoice & { currency: string }) {
  const plan = await findActivePlan(choice);
  const field = planField(choice);
  if (plan.purchaseMode === 'contact_sales')
    throw ValidationError.forField(field, `${plan.name} is sold by our sales team; contact sales`);
  if (plan.currency !== currency && !plan.isDefault)
    throw ValidationError.forField(
      field,
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
