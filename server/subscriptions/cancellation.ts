import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { isPlatformWide, requirePlatformAdmin } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { ConflictError, ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import { currentAttempt, decideOnce, type IdempotentAttempt } from '../idempotency/idempotentRequests';
import { callStripe } from '../stripe/errors';
import { setStripeCancelAtPeriodEnd } from '../stripe/subscriptions';
import { recordSubscriptionEvent } from '../partnerWebhooks/events';
import { parseInput } from '../validation';
import { CANCELLATION_REFUNDS } from './cancellationRefunds';
import { cancelNow } from './immediateCancellation';
import { loadCancelableSubscription, loadManagedSubscription } from './managedSubscription';
import { NO_SCHEDULED_CHANGE } from './scheduledChange';
import { syncSubscriptionFromStripe } from './stripeSubscriptionSync';
import { Subscription } from './Subscription';

const cancelInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  atPeriodEnd: z.boolean().default(true),
  reason: z.string().trim().max(500, 'is at most 500 characters').nullish(),
  refund: z.enum(CANCELLATION_REFUNDS).default('none'),
});

export interface SubscriptionAnswer {
  subscriptionId: string;
}

/**
 * Cancels the current subscription: at the end of the period (the customer keeps what they paid for,
 * and may resume until then), or at once, which only platform admins may do, choosing what of the
 * current period is refunded (`refund`: none, prorated or full). The account then returns to the
 * default plan. The default plan itself cannot be canceled.
 *
 * Under an idempotency key the subscription is decided once for the request, so a retry after a crash
 * finishes canceling that one and answers it, even once the account is back on the free plan.
 */
export async function cancelSubscription({
  actor,
  attempt = currentAttempt(),
  ...input
}: { actor: Actor; attempt?: IdempotentAttempt | null } & z.input<
  typeof cancelInput
>): Promise<SubscriptionAnswer> {
  const { accountId, atPeriodEnd, reason, refund } = parseInput(cancelInput, input);
  if (!atPeriodEnd) {
    requirePlatformAdmin(actor);
    return cancelNow({ actor, attempt, accountId, reason: reason ?? null, refund });
  }
  if (refund !== 'none')
    throw ValidationError.forField(
      'refund',
      'is chosen only when canceling at once; nothing is refunded at the period end',
    );
  return scheduleCancellation({ actor, attempt, accountId, reason: reason ?? null });
}

export async function scheduleCancellation({
  actor,
  attempt = currentAttempt(),
  accountId,
  reason,
}: {
  actor: Actor;
  attempt?: IdempotentAttempt | null;
  accountId: string;
  reason: string | null;
}): Promise<SubscriptionAnswer> {
  const answered = await attempt?.answerOf<SubscriptionAnswer>('cancellation');
  if (answered) return answered;
  const target = await decideOnce({
    attempt,
    step: 'cancellation',
    decide: async () => {
      const { subscription, plan } = await loadCancelableSubscription({ actor, accountId });
      // A contract runs for the term sales agreed (decision 039); a platform admin ends it.
      if (subscription.contractId && !isPlatformWide(actor))
        throw new ConflictError('This account is on a custom contract; contact sales to end it.');
      if (!subscription.currentPeriodEnd)
        throw new ConflictError(`${plan.name} has no period to end; a platform admin can cancel it at once.`);
      return { subscriptionId: subscription.id, stripeSubscriptionId: subscription.stripeSubscriptionId };
    },
  });
  const { subscriptionId, stripeSubscriptionId } = target;
  if (stripeSubscriptionId) {
    await faultPoint('cancellation.beforeStripeCall');
    await callStripe('cancel the subscription', () =>
      setStripeCancelAtPeriodEnd({ stripeSubscriptionId, cancelAtPeriodEnd: true }),
    );
    await faultPoint('cancellation.afterStripeCall');
  }
  const answer = { subscriptionId };
  await withAccountLock(accountId, async ({ trx, account }) => {
    // A downgrade scheduled for the same moment no longer applies: the subscription ends instead.
    // For one Stripe bills, whether it ends comes with Stripe's state (and its event to partners with it).
    const before = await Subscription.query(trx).findById(subscriptionId).throwIfNotFound();
    const after = await Subscription.query(trx).patchAndFetchById(subscriptionId, {
      ...(!stripeSubscriptionId && { cancelAtPeriodEnd: true }),
      cancellationReason: reason,
      ...NO_SCHEDULED_CHANGE,
    });
    await recordSubscriptionEvent({ trx, before, after });
    if (stripeSubscriptionId) await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId });
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'subscription.cancellation_scheduled',
      target: { type: 'subscription', id: subscriptionId },
      reason: reason ?? undefined,
    });
    await attempt?.recordAnswer({ trx, step: 'cancellation', answer });
    await faultPoint('cancellation.beforeCommit');
  });
  await faultPoint('cancellation.afterCommit');
  return answer;
}

/** Takes back a cancellation scheduled for the period end. */
export async function resumeSubscription({
  actor,
  attempt = currentAttempt(),
  accountId,
}: {
  actor: Actor;
  attempt?: IdempotentAttempt | null;
  accountId: string;
}): Promise<SubscriptionAnswer> {
  const answered = await attempt?.answerOf<SubscriptionAnswer>('resumption');
  if (answered) return answered;
  const target = await decideOnce({
    attempt,
    step: 'resumption',
    decide: async () => {
      const { subscription } = await loadManagedSubscription({ actor, accountId });
      return {
        subscriptionId: subscription.id,
        stripeSubscriptionId: subscription.stripeSubscriptionId,
        scheduledToEnd: subscription.cancelAtPeriodEnd,
      };
    },
  });
  const { subscriptionId, stripeSubscriptionId } = target;
  const answer = { subscriptionId };
  if (!target.scheduledToEnd) return answer;
  if (stripeSubscriptionId) {
    await faultPoint('resumption.beforeStripeCall');
    await callStripe('resume the subscription', () =>
      setStripeCancelAtPeriodEnd({ stripeSubscriptionId, cancelAtPeriodEnd: false }),
    );
    await faultPoint('resumption.afterStripeCall');
  }
  await withAccountLock(accountId, async ({ trx, account }) => {
    const before = await Subscription.query(trx).findById(subscriptionId).throwIfNotFound();
    const after = await Subscription.query(trx).patchAndFetchById(subscriptionId, {
      ...(!stripeSubscriptionId && { cancelAtPeriodEnd: false }),
      cancellationReason: null,
    });
    await recordSubscriptionEvent({ trx, before, after });
    if (stripeSubscriptionId) await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId });
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'subscription.resumed',
      target: { type: 'subscription', id: subscriptionId },
    });
    await attempt?.recordAnswer({ trx, step: 'resumption', answer });
    await faultPoint('resumption.beforeCommit');
  });
  await faultPoint('resumption.afterCommit');
  return answer;
}
