import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { now } from '../clock';
import { ConflictError } from '../errors';
import { faultPoint } from '../faultPoints';
import { decideOnce, type IdempotentAttempt } from '../idempotency/idempotentRequests';
import { callStripe } from '../stripe/errors';
import { changeStripeSubscription } from '../stripe/subscriptions';
import { scheduleCancellation } from './cancellation';
import type { ManagedSubscription } from './managedSubscription';
import type { PlanChangeKind } from './planChangeKind';
import { syncSubscriptionFromStripe } from './stripeSubscriptionSync';
import { NO_SCHEDULED_CHANGE } from './scheduledChange';
import { Subscription } from './Subscription';
import { recordSubscriptionEvent } from '../partnerWebhooks/events';

/**
 * A plan or seat change as it was decided, in plain values: under an idempotency key it is saved
 * before anything is changed, and a retry that resumes the request after a crash carries out this very
 * change, even when our copy of the subscription already shows it made (its webhook came first).
 */
export interface DecidedPlanChange {
  accountId: string;
  subscriptionId: string;
  stripeSubscriptionId: string;
  kind: PlanChangeKind;
  from: { planKey: string; seats: number };
  to: { planId: string; planKey: string; stripePriceId: string | null; isDefault: boolean; seats: number };
  prorationDate: number | null;
  /** When a downgrade takes effect (the period's end). */
  periodEnd: string | null;
  /** Stripe's key without a caller's key: the change and the subscription's version, so a double click is one change. */
  keyWithoutRequest: string;
}

/** Nothing to change (the seats asked for are the seats held). */
export interface UnchangedPlan {
  unchanged: { subscriptionId: string };
}

export interface PlanChangeAnswer {
  subscriptionId: string;
  kind?: PlanChangeKind;
  effectiveAt?: string;
}

export function describePlanChange(
  change: ManagedSubscription & {
    target: { id: string; key: string; stripePriceId: string | null; isDefault: boolean };
    seats: number;
    kind: PlanChangeKind;
    stripeSubscriptionId: string;
    prorationDate: number | null;
  },
): DecidedPlanChange {
  const { subscription } = change;
  return {
    accountId: change.account.id,
    subscriptionId: subscription.id,
    stripeSubscriptionId: change.stripeSubscriptionId,
    kind: change.kind,
    from: { planKey: change.plan.key, seats: subscription.quantity },
    to: {
      planId: change.target.id,
      planKey: change.target.key,
      stripePriceId: change.target.stripePriceId,
      isDefault: change.target.isDefault,
      seats: change.seats,
    },
    prorationDate: change.prorationDate,
    periodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
    keyWithoutRequest: `plan-change-${subscription.id}-${change.target.id}-${change.seats}-${change.prorationDate ?? subscription.updatedAt.getTime()}`,
  };
}

/**
 * Decides a change once for the request (`decide`) and carries it out. Upgrades and changes of seats
 * happen now in Stripe, under a key the same on every attempt, then are applied here with their audit
 * entry and the request's answer in one transaction; downgrades are scheduled for the period's end. A
 * retry after that commit answers what was committed (docs/decisions/017 and 026).
 */
export async function carryOutPlanChange({
  actor,
  attempt,
  decide,
}: {
  actor: Actor;
  attempt: IdempotentAttempt | null;
  decide: () => Promise<DecidedPlanChange | UnchangedPlan>;
}): Promise<PlanChangeAnswer> {
  const answered = await attempt?.answerOf<PlanChangeAnswer>('plan-change');
  if (answered) return answered;
  const change = await decideOnce({ attempt, step: 'plan-change', decide });
  if ('unchanged' in change) return change.unchanged;
  if (change.kind === 'downgrade') return scheduleDowngrade({ actor, attempt, change });

  await faultPoint('planChange.beforeStripeCall');
  await callStripe(change.kind === 'seats' ? 'change the seats' : 'change the plan', () =>
    changeStripeSubscription({
      stripeSubscriptionId: change.stripeSubscriptionId,
      priceId: change.to.stripePriceId!,
      quantity: change.to.seats,
      prorationBehavior: 'always_invoice',
      prorationDate: change.prorationDate ?? undefined,
      idempotencyKey: attempt?.stripeKey('plan-change') ?? change.keyWithoutRequest,
    }),
  );
  await faultPoint('planChange.afterStripeCall');
  const answer = {
    subscriptionId: change.subscriptionId,
    kind: change.kind,
    effectiveAt: now().toISOString(),
  };
  await withAccountLock(change.accountId, async ({ trx, account }) => {
    // A new plan replaces a downgrade scheduled from the old one; new seats leave it as it is.
    if (change.kind === 'upgrade')
      await Subscription.query(trx).findById(change.subscriptionId).patch(NO_SCHEDULED_CHANGE);
    await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId: change.stripeSubscriptionId });
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      target: { type: 'subscription', id: change.subscriptionId },
      ...(change.kind === 'seats'
        ? {
            action: 'subscription.seats_changed',
            details: { from: change.from.seats, to: change.to.seats },
          }
        : {
            action: 'subscription.upgraded',
            details: { from: change.from.planKey, to: change.to.planKey, seats: change.to.seats },
          }),
    });
    await attempt?.recordAnswer({ trx, step: 'plan-change', answer });
    await faultPoint('planChange.beforeCommit');
  });
  await faultPoint('planChange.afterCommit');
  return answer;
}

async function scheduleDowngrade({
  actor,
  attempt,
  change,
}: {
  actor: Actor;
  attempt: IdempotentAttempt | null;
  change: DecidedPlanChange;
}): Promise<PlanChangeAnswer> {
  if (!change.periodEnd)
    throw new ConflictError('This subscription has no period end to schedule a change for.');
  const answer = {
    subscriptionId: change.subscriptionId,
    kind: 'downgrade' as const,
    effectiveAt: change.periodEnd,
  };
  if (change.to.isDefault) {
    await scheduleCancellation({
      actor,
      attempt,
      accountId: change.accountId,
      reason: 'downgrade to the free plan',
    });
    return answer;
  }
  const effectiveAt = new Date(change.periodEnd);
  await withAccountLock(change.accountId, async ({ trx, account }) => {
    const before = await Subscription.query(trx).findById(change.subscriptionId).throwIfNotFound();
    const after = await Subscription.query(trx).patchAndFetchById(change.subscriptionId, {
      scheduledPlanId: change.to.planId,
      scheduledQuantity: change.to.seats,
      scheduledChangeAt: effectiveAt,
    });
    await recordSubscriptionEvent({ trx, before, after });
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      action: 'subscription.downgrade_scheduled',
      target: { type: 'subscription', id: change.subscriptionId },
      details: { to: change.to.planKey, seats: change.to.seats, effectiveAt },
    });
    await attempt?.recordAnswer({ trx, step: 'plan-change', answer });
  });
  return answer;
}
