import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import type { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { ConflictError, ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import type { IdempotentAttempt } from '../idempotency/idempotentRequests';
import { callStripe } from '../stripe/errors';
import { changeStripeSubscription, previewStripeSubscriptionChange } from '../stripe/subscriptions';
import { assertSelfServeBilling } from '../featureFlags/featureFlags';
import { parseInput } from '../validation';
import { scheduleCancellation } from './cancellation';
import {
  loadManagedSubscription,
  requireStripeSubscription,
  type ManagedSubscription,
} from './managedSubscription';
import { classifyPlanChange, type PlanChangeKind } from './planChangeKind';
import { findPlanOnSale, seatCountFor, seatsInput } from './planChoice';
import { NO_SCHEDULED_CHANGE } from './scheduledChange';
import { syncSubscriptionFromStripe } from './stripeSubscriptionSync';
import { Subscription } from './Subscription';

const changeInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  planId: z.string().uuid('is not a plan id'),
  seats: seatsInput.nullish(),
  prorationDate: z.number().int().positive().nullish(),
});

export interface PlanChangePreview {
  kind: PlanChangeKind;
  plan: Plan;
  seats: number;
  effectiveAt: Date;
  /** Charged at once (upgrades, in minor units; negative is a credit); 0 for a downgrade. */
  amountDueNow: number;
  currency: string;
  /** Pass back to changePlan so the charge is exactly what was previewed. */
  prorationDate: number | null;
  lines: Array<{ description: string | null; amount: number; proration: boolean }>;
}

interface PlannedChange extends ManagedSubscription {
  target: Plan;
  seats: number;
  kind: PlanChangeKind;
  stripeSubscriptionId: string;
}

async function planChange({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof changeInput>): Promise<
  PlannedChange & { prorationDate: number | null }
> {
  const { accountId, planId, seats, prorationDate } = parseInput(changeInput, input);
  const managed = await loadManagedSubscription({ actor, accountId });
  await assertSelfServeBilling(actor);
  const stripeSubscriptionId = requireStripeSubscription(managed);
  const target = await findPlanOnSale({ planId, currency: managed.account.currency });
  if (!target.isDefault && (!target.stripePriceId || target.billingInterval === 'lifetime')) {
    throw ValidationError.forField('planId', `${target.name} cannot be switched to; buy it through Checkout`);
  }
  const targetSeats = await seatCountFor({
    plan: target,
    accountId,
    seats,
    seatsHeld: managed.plan.perSeat ? managed.subscription.quantity : 1,
  });
  const kind = target.isDefault
    ? 'downgrade'
    : classifyPlanChange({
        from: managed.plan,
        to: target,
        fromSeats: managed.subscription.quantity,
        toSeats: targetSeats,
      });
  if (target.id === managed.plan.id && targetSeats === managed.subscription.quantity)
    throw ValidationError.forField('planId', 'is the current plan');
  return {
    ...managed,
    target,
    seats: targetSeats,
    kind,
    stripeSubscriptionId,
    prorationDate: prorationDate ?? null,
  };
}

/** What a change would cost now and when it would take effect, without making it. */
export async function previewPlanChange(
  args: { actor: Actor } & z.input<typeof changeInput>,
): Promise<PlanChangePreview> {
  const change = await planChange(args);
  const base = {
    kind: change.kind,
    plan: change.target,
    seats: change.seats,
    currency: change.plan.currency,
  };
  if (change.kind === 'downgrade') {
    return {
      ...base,
      effectiveAt: change.subscription.currentPeriodEnd ?? now(),
      amountDueNow: 0,
      prorationDate: null,
      lines: [],
    };
  }
  // A trial continues on the new plan and nothing is charged until it ends. (Stripe's preview of a
  // trialing subscription is the invoice at the trial's end, which is not due now.)
  if (change.subscription.status === 'trialing')
    return { ...base, effectiveAt: now(), amountDueNow: 0, prorationDate: null, lines: [] };
  const preview = await callStripe('preview the change', () =>
    previewStripeSubscriptionChange({
      stripeSubscriptionId: change.stripeSubscriptionId,
      stripeCustomerId: change.account.stripeCustomerId!,
      priceId: change.target.stripePriceId!,
      quantity: change.seats,
      prorationBehavior: 'always_invoice',
      prorationDate: change.prorationDate ?? undefined,
    }),
  );
  return {
    ...base,
    effectiveAt: now(),
    amountDueNow: preview.amountDue,
    prorationDate: preview.prorationDate,
    lines: preview.lines,
  };
}

/**
 * Changes the plan (or the seats). Upgrades and changes of seats alone happen now in Stripe, prorated and
 * invoiced at once (fewer seats leave a credit toward the next invoice); downgrades, including yearly to
 * monthly and to the free plan, are scheduled for the end of the period and can be undone until then.
 */
export async function changePlan({
  attempt = null,
  ...args
}: { actor: Actor; attempt?: IdempotentAttempt | null } & z.input<typeof changeInput>): Promise<{
  subscriptionId: string;
  kind: PlanChangeKind;
  effectiveAt: string;
}> {
  // A retry taking over after the upgrade was made (its process died before answering) answers it.
  if (attempt?.resumed) {
    const { subscription, plan } = await loadManagedSubscription({
      actor: args.actor,
      accountId: args.accountId,
    });
    if (plan.id === args.planId && (args.seats == null || args.seats === subscription.quantity))
      return { subscriptionId: subscription.id, kind: 'upgrade', effectiveAt: now().toISOString() };
  }
  const change = await planChange(args);
  const { actor } = args;
  if (change.kind === 'downgrade') return scheduleDowngrade({ actor, change });

  const state = await callStripe(change.kind === 'seats' ? 'change the seats' : 'change the plan', () =>
    changeStripeSubscription({
      stripeSubscriptionId: change.stripeSubscriptionId,
      priceId: change.target.stripePriceId!,
      quantity: change.seats,
      prorationBehavior: 'always_invoice',
      prorationDate: change.prorationDate ?? undefined,
      // Under a caller's key, every attempt of the request sends Stripe the same key (decision 017).
      idempotencyKey:
        attempt?.stripeKey('plan-change') ??
        `plan-change-${change.subscription.id}-${change.target.id}-${change.seats}-${change.prorationDate ?? change.subscription.updatedAt.getTime()}`,
    }),
  );
  await faultPoint('planChange.afterStripeCall');
  await withAccountLock(change.account.id, async ({ trx, account }) => {
    // A new plan replaces a downgrade scheduled from the old one; new seats leave it as it is.
    if (change.kind === 'upgrade')
      await Subscription.query(trx).findById(change.subscription.id).patch(NO_SCHEDULED_CHANGE);
    await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId: state.stripeSubscriptionId });
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      target: { type: 'subscription', id: change.subscription.id },
      ...(change.kind === 'seats'
        ? {
            action: 'subscription.seats_changed',
            details: { from: change.subscription.quantity, to: change.seats },
          }
        : {
            action: 'subscription.upgraded',
            details: { from: change.plan.key, to: change.target.key, seats: change.seats },
          }),
    });
  });
  await faultPoint('planChange.afterCommit');
  return { subscriptionId: change.subscription.id, kind: change.kind, effectiveAt: now().toISOString() };
}

async function scheduleDowngrade({ actor, change }: { actor: Actor; change: PlannedChange }) {
  const effectiveAt = change.subscription.currentPeriodEnd;
  if (!effectiveAt) throw new ConflictError('This subscription has no period end to schedule a change for.');
  if (change.target.isDefault) {
    await scheduleCancellation({ actor, accountId: change.account.id, reason: 'downgrade to the free plan' });
    return {
      subscriptionId: change.subscription.id,
      kind: 'downgrade' as const,
      effectiveAt: effectiveAt.toISOString(),
    };
  }
  await withAccountLock(change.account.id, async ({ trx, account }) => {
    await Subscription.query(trx).findById(change.subscription.id).patch({
      scheduledPlanId: change.target.id,
      scheduledQuantity: change.seats,
      scheduledChangeAt: effectiveAt,
    });
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      action: 'subscription.downgrade_scheduled',
      target: { type: 'subscription', id: change.subscription.id },
      details: { to: change.target.key, seats: change.seats, effectiveAt },
    });
  });
  return {
    subscriptionId: change.subscription.id,
    kind: 'downgrade' as const,
    effectiveAt: effectiveAt.toISOString(),
  };
}

/** Undoes a scheduled downgrade before it takes effect. */
export async function cancelScheduledPlanChange({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<{ subscriptionId: string }> {
  const { subscription } = await loadManagedSubscription({ actor, accountId });
  if (!subscription.scheduledChangeAt) return { subscriptionId: subscription.id };
  await withAccountLock(accountId, async ({ trx }) => {
    await Subscription.query(trx).findById(subscription.id).patch(NO_SCHEDULED_CHANGE);
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'subscription.downgrade_unscheduled',
      target: { type: 'subscription', id: subscription.id },
    });
  });
  return { subscriptionId: subscription.id };
}
