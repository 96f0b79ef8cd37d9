import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { faultPoint } from '../faultPoints';
import { decideOnce, type IdempotentAttempt } from '../idempotency/idempotentRequests';
import { callStripe } from '../stripe/errors';
import { cancelStripeSubscriptionNow } from '../stripe/subscriptions';
import {
  decideCancellationRefunds,
  makeCancellationRefunds,
  recordCancellationRefunds,
  type CancellationRefund,
} from './cancellationRefunds';
import { findCurrentSubscription, startDefaultSubscription } from './currentSubscription';
import { loadCancelableSubscription } from './managedSubscription';
import { endSubscription, syncSubscriptionFromStripe } from './stripeSubscriptionSync';
import { Subscription } from './Subscription';

/**
 * Ends the current subscription now (platform admins), in Stripe first, and refunds what `refund` says
 * of the current period (cancellationRefunds.ts). Which subscription, and which refunds, are decided
 * once: a retry that resumes the request after a crash ends that subscription and makes those refunds,
 * each once, and answers as the first call would have, although the account is on the free plan by then.
 */
export async function cancelNow({
  actor,
  attempt,
  accountId,
  reason,
  refund,
}: {
  actor: Actor;
  attempt: IdempotentAttempt | null;
  accountId: string;
  reason: string | null;
  refund: CancellationRefund;
}): Promise<{ subscriptionId: string }> {
  const answered = await attempt?.answerOf<{ subscriptionId: string }>('cancellation');
  if (answered) return answered;
  const decided = await decideOnce({
    attempt,
    step: 'cancellation',
    decide: async () => {
      const { subscription, plan } = await loadCancelableSubscription({ actor, accountId });
      return {
        subscriptionId: subscription.id,
        stripeSubscriptionId: subscription.stripeSubscriptionId,
        currency: plan.currency,
        refunds: await decideCancellationRefunds({ subscription, plan, refund }),
      };
    },
  });
  const { subscriptionId, stripeSubscriptionId, refunds } = decided;
  const refundReason = reason ?? 'Canceled at once by a platform admin';
  if (stripeSubscriptionId) {
    await faultPoint('cancellation.beforeStripeCall');
    await callStripe('cancel the subscription', () => cancelStripeSubscriptionNow({ stripeSubscriptionId }));
    await faultPoint('cancellation.afterStripeCall');
  }
  const made = await makeCancellationRefunds({ subscriptionId, refunds, reason: refundReason });
  await faultPoint('cancellation.afterRefunds');
  const answer = { subscriptionId };
  await withAccountLock(accountId, async ({ trx, account }) => {
    await Subscription.query(trx).findById(subscriptionId).patch({ cancellationReason: reason });
    if (stripeSubscriptionId) {
      await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId });
    } else {
      const subscription = await Subscription.query(trx).findById(subscriptionId).throwIfNotFound();
      await endSubscription({
        trx,
        subscription,
        status: 'canceled',
        reason: reason ?? 'canceled by an admin',
      });
      if (!(await findCurrentSubscription({ trx, accountId })))
        await startDefaultSubscription({ trx, accountId });
    }
    const refunded = await recordCancellationRefunds({ trx, actor, refunds, made, reason: refundReason });
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'subscription.canceled',
      target: { type: 'subscription', id: subscriptionId },
      reason: reason ?? undefined,
      details: { refund, refunded, currency: decided.currency },
    });
    await attempt?.recordAnswer({ trx, step: 'cancellation', answer });
    await faultPoint('cancellation.beforeCommit');
  });
  await faultPoint('cancellation.afterCommit');
  return answer;
}
