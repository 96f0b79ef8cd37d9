import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { ValidationError } from '../errors';
import { parseInput } from '../validation';
import { assertSelfServeBilling } from '../featureFlags/featureFlags';
import { loadManagedSubscription, requireStripeSubscription } from './managedSubscription';
import { changePlan } from './planChanges';
import { seatsInput } from './planChoice';

const changeSeatsInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  seats: seatsInput,
  prorationDate: z.number().int().positive().nullish(),
});

/**
 * Sets the number of seats of a per-seat plan: a plan change to the same plan, so the preview
 * (`previewPlanChange` with the current plan) and the change are one rule. It takes effect at once,
 * prorated and invoiced in either direction (fewer seats leave a credit toward the next invoice), and
 * never leaves fewer seats than are in use.
 */
export async function changeSeats({ actor, ...input }: { actor: Actor } & z.input<typeof changeSeatsInput>) {
  const { accountId, seats, prorationDate } = parseInput(changeSeatsInput, input);
  const managed = await loadManagedSubscription({ actor, accountId });
  await assertSelfServeBilling(actor);
  requireStripeSubscription(managed);
  const { subscription, plan } = managed;
  if (!plan.perSeat) throw ValidationError.forField('seats', `${plan.name} is not priced per seat`);
  if (seats === subscription.quantity) return { subscriptionId: subscription.id };
  return changePlan({ actor, accountId, planId: plan.id, seats, prorationDate });
}
