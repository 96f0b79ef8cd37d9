import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { ConflictError } from '../errors';
import { callStripe } from '../stripe/errors';
import { cancelStripeSubscriptionNow, setStripeCancelAtPeriodEnd } from '../stripe/subscriptions';
import { parseInput } from '../validation';
import { startDefaultSubscription } from './currentSubscription';
import { loadManagedSubscription } from './managedSubscription';
import { NO_SCHEDULED_CHANGE } from './scheduledChange';
import { endSubscription, syncSubscriptionFromStripe } from './stripeSubscriptionSync';
import { recordSubscriptionChange } from './subscriptionChanges';
import { Subscription } from './Subscription';

const cancelInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  atPeriodEnd: z.boolean().default(true),
  reason: z.string().trim().max(500, 'is at most 500 characters').nullish(),
});

/**
 * Cancels the current subscription: at the end of the period (the customer keeps what they paid for,
 * and may resume until then), or at once, which only platform admins may do. The account then returns
 * to the default plan. The default plan itself cannot be canceled.
 */
export async function cancelSubscription({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof cancelInput>): Promise<{ subscriptionId: string }> {
  const { accountId, atPeriodEnd, reason } = parseInput(cancelInput, input);
  if (!atPeriodEnd) {
    requirePlatformAdmin(actor);
    return cancelNow({ actor, accountId, reason: reason ?? null });
  }
  return scheduleCancellation({ actor, accountId, reason: reason ?? null });
}

export async function scheduleCancellation({
  actor,
  accountId,
  reason,
}: {
  actor: Actor;
  accountId: string;
  reason: string | null;
}): Promise<{ subscriptionId: string }> {
  const managed = await loadManagedSubscription({ actor, accountId });
  const { subscription, plan } = managed;
  if (plan.isDefault && !subscription.stripeSubscriptionId)
    throw new ConflictError('The free plan has nothing to cancel.');
  if (!subscription.currentPeriodEnd)
    throw new ConflictError(`${plan.name} has no period to end; a platform admin can cancel it at once.`);
  await endInStripeWithPeriod({ subscription, cancelAtPeriodEnd: true });
  await recordSubscriptionChange({
    actor,
    subscription,
    // A downgrade scheduled for the same moment no longer applies: the subscription ends instead.
    patch: { cancelAtPeriodEnd: true, cancellationReason: reason, ...NO_SCHEDULED_CHANGE },
    audit: { action: 'subscription.cancellation_scheduled', reason: reason ?? undefined },
  });
  return { subscriptionId: subscription.id };
}

async function cancelNow({
  actor,
  accountId,
  reason,
}: {
  actor: Actor;
  accountId: string;
  reason: string | null;
}): Promise<{ subscriptionId: string }> {
  const { subscription, plan } = await loadManagedSubscription({ actor, accountId });
  if (plan.isDefault && !subscription.stripeSubscriptionId)
    throw new ConflictError('The free plan has nothing to cancel.');
  if (subscription.stripeSubscriptionId) {
    await callStripe('cancel the subscription', () =>
      cancelStripeSubscriptionNow({ stripeSubscriptionId: subscription.stripeSubscriptionId! }),
    );
  }
  await withAccountLock(accountId, async ({ trx, account }) => {
    await Subscription.query(trx).findById(subscription.id).patch({ cancellationReason: reason });
    if (subscription.stripeSubscriptionId) {
      await syncSubscriptionFromStripe({
        trx,
        account,
        stripeSubscriptionId: subscription.stripeSubscriptionId,
      });
    } else {
      await endSubscription({
        trx,
        subscription,
        status: 'canceled',
        reason: reason ?? 'canceled by an admin',
      });
      await startDefaultSubscription({ trx, accountId });
    }
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'subscription.canceled',
      target: { type: 'subscription', id: subscription.id },
      reason: reason ?? undefined,
    });
  });
  return { subscriptionId: subscription.id };
}

/** Takes back a cancellation scheduled for the period end. */
export async function resumeSubscription({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<{ subscriptionId: string }> {
  const { subscription } = await loadManagedSubscription({ actor, accountId });
  if (!subscription.cancelAtPeriodEnd) return { subscriptionId: subscription.id };
  await endInStripeWithPeriod({ subscription, cancelAtPeriodEnd: false });
  await recordSubscriptionChange({
    actor,
    subscription,
    patch: { cancelAtPeriodEnd: false, cancellationReason: null },
    audit: { action: 'subscription.resumed' },
  });
  return { subscriptionId: subscription.id };
}

/** Tells Stripe whether a subscription it bills ends with its period; a card-less one is ours alone. */
async function endInStripeWithPeriod({
  subscription: { stripeSubscriptionId },
  cancelAtPeriodEnd,
}: {
  subscription: Subscription;
  cancelAtPeriodEnd: boolean;
}): Promise<void> {
  if (!stripeSubscriptionId) return;
  await callStripe(cancelAtPeriodEnd ? 'cancel the subscription' : 'resume the subscription', () =>
    setStripeCancelAtPeriodEnd({ stripeSubscriptionId, cancelAtPeriodEnd }),
  );
}
