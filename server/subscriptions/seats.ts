import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { countResources, SEATS_FEATURE } from '../entitlements/resourceCounts';
import { ValidationError } from '../errors';
import { callStripe } from '../stripe/errors';
import { changeStripeSubscription } from '../stripe/subscriptions';
import { assertSelfServeBilling } from '../featureFlags/featureFlags';
import { parseInput } from '../validation';
import { loadManagedSubscription, requireStripeSubscription } from './managedSubscription';
import { syncSubscriptionFromStripe } from './stripeSubscriptionSync';

const seatsInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  seats: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(10_000, 'is at most 10,000'),
  prorationDate: z.number().int().positive().nullish(),
});

/**
 * Sets the number of seats of a per-seat plan, prorated and invoiced at once in either direction (fewer
 * seats leave a credit for the next invoice). Never fewer seats than are in use.
 */
export async function changeSeats({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof seatsInput>): Promise<{ subscriptionId: string }> {
  const { accountId, seats, prorationDate } = parseInput(seatsInput, input);
  const managed = await loadManagedSubscription({ actor, accountId });
  await assertSelfServeBilling(actor);
  const stripeSubscriptionId = requireStripeSubscription(managed);
  if (!managed.plan.perSeat)
    throw ValidationError.forField('seats', `${managed.plan.name} is not priced per seat`);
  const inUse = await countResources({ accountId, featureKey: SEATS_FEATURE });
  if (seats < inUse) throw ValidationError.forField('seats', `must be at least ${inUse}, the seats in use`);
  if (seats === managed.subscription.quantity) return { subscriptionId: managed.subscription.id };

  await callStripe('change the seats', () =>
    changeStripeSubscription({
      stripeSubscriptionId,
      priceId: managed.plan.stripePriceId!,
      quantity: seats,
      prorationBehavior: 'always_invoice',
      prorationDate: prorationDate ?? undefined,
      idempotencyKey: `seats-${managed.subscription.id}-${seats}-${prorationDate ?? managed.subscription.updatedAt.getTime()}`,
    }),
  );
  await withAccountLock(accountId, async ({ trx, account }) => {
    await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId });
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'subscription.seats_changed',
      target: { type: 'subscription', id: managed.subscription.id },
      details: { from: managed.subscription.quantity, to: seats },
    });
  });
  return { subscriptionId: managed.subscription.id };
}
