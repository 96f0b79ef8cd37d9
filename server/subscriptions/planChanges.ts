import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import type { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import { currentAttempt, type IdempotentAttempt } from '../idempotency/idempotentRequests';
import { callStripe } from '../stripe/errors';
import { previewStripeSubscriptionChange } from '../stripe/subscriptions';
import { assertSelfServeBilling } from '../featureFlags/selfServeBilling';
import { parseInput } from '../validation';
import { carryOutPlanChange, describePlanChange, type PlanChangeAnswer } from './decidedPlanChange';
import {
  loadManagedSubscription,
  requireStripeSubscription,
  type ManagedSubscription,
} from './managedSubscription';
import { classifyPlanChange, type PlanChangeKind } from './planChangeKind';
import {
  checkPlanChoice,
  findPlanOnSale,
  planChoiceInput,
  planField,
  seatCountFor,
  seatsInput,
} from './planChoice';
import { NO_SCHEDULED_CHANGE } from './scheduledChange';
import { Subscription } from './Subscription';
import { recordSubscriptionEvent } from '../partnerWebhooks/events';

const changeInput = z
  .object({
    accountId: z.string().uuid('is not an account id'),
    ...planChoiceInput,
    seats: seatsInput.nullish(),
    prorationDate: z.number().int().positive().nullish(),
  })
  .superRefine(checkPlanChoice);

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

export async function planChange({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof changeInput>): Promise<
  PlannedChange & { prorationDate: number | null }
> {
  const { accountId, planId, planKey, seats, prorationDate } = parseInput(changeInput, input);
  const managed = await loadManagedSubscription({ actor, accountId });
  await assertSelfServeBilling({ actor, accountId, action: 'change your plan' });
  const stripeSubscriptionId = requireStripeSubscription(managed);
  const target = await findPlanOnSale({ planId, planKey, currency: managed.account.currency });
  if (!target.isDefault && (!target.stripePriceId || target.billingInterval === 'lifetime')) {
    throw ValidationError.forField(
      planField({ planKey }),
      `${target.name} cannot be switched to; buy it through Checkout`,
    );
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
    throw ValidationError.forField(planField({ planKey }), 'is the current plan');
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
 * Under an idempotency key the change is decided once, so a retry after a crash makes that change, once,
 * and answers it (decidedPlanChange.ts).
 */
export async function changePlan({
  attempt = currentAttempt(),
  ...args
}: { actor: Actor; attempt?: IdempotentAttempt | null } & z.input<
  typeof changeInput
>): Promise<PlanChangeAnswer> {
  return carryOutPlanChange({
    actor: args.actor,
    attempt,
    decide: async () => describePlanChange(await planChange(args)),
  });
}

/** Undoes a scheduled downgrade before it takes effect. */
export async function cancelScheduledPlanChange({
  actor,
  attempt = currentAttempt(),
  accountId,
}: {
  actor: Actor;
  attempt?: IdempotentAttempt | null;
  accountId: string;
}): Promise<{ subscriptionId: string }> {
  const answered = await attempt?.answerOf<{ subscriptionId: string }>('scheduled-change');
  if (answered) return answered;
  const { subscription } = await loadManagedSubscription({ actor, accountId });
  const answer = { subscriptionId: subscription.id };
  if (!subscription.scheduledChangeAt) return answer;
  await withAccountLock(accountId, async ({ trx }) => {
    const before = await Subscription.query(trx).findById(subscription.id).throwIfNotFound();
    const after = await Subscription.query(trx).patchAndFetchById(subscription.id, NO_SCHEDULED_CHANGE);
    await recordSubscriptionEvent({ trx, before, after });
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'subscription.downgrade_unscheduled',
      target: { type: 'subscription', id: subscription.id },
    });
    await attempt?.recordAnswer({ trx, step: 'scheduled-change', answer });
    await faultPoint('scheduledChange.beforeCommit');
  });
  await faultPoint('scheduledChange.afterCommit');
  return answer;
}
