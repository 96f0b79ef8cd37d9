import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { ValidationError } from '../errors';
import { currentAttempt, type IdempotentAttempt } from '../idempotency/idempotentRequests';
import { parseInput } from '../validation';
import { assertSelfServeBilling } from '../featureFlags/selfServeBilling';
import { carryOutPlanChange, describePlanChange, type PlanChangeAnswer } from './decidedPlanChange';
import { loadManagedSubscription, requireStripeSubscription } from './managedSubscription';
import { planChange } from './planChanges';
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
 * never leaves fewer seats than are in use. Under an idempotency key the change is decided once, so a
 * retry after a crash makes it once and answers it, though our copy may already show the new seats.
 */
export async function changeSeats({
  actor,
  attempt = currentAttempt(),
  ...input
}: { actor: Actor; attempt?: IdempotentAttempt | null } & z.input<
  typeof changeSeatsInput
>): Promise<PlanChangeAnswer> {
  const { accountId, seats, prorationDate } = parseInput(changeSeatsInput, input);
  return carryOutPlanChange({
    actor,
    attempt,
    decide: async () => {
      const managed = await loadManagedSubscription({ actor, accountId });
      await assertSelfServeBilling({ actor, accountId, action: 'change seats' });
      requireStripeSubscription(managed);
      const { subscription, plan } = managed;
      if (!plan.perSeat) throw ValidationError.forField('seats', `${plan.name} is not priced per seat`);
      if (seats === subscription.quantity) return { unchanged: { subscriptionId: subscription.id } };
      return describePlanChange(
        await planChange({ actor, accountId, planId: plan.id, seats, prorationDate }),
      );
    },
  });
}
