import { z } from 'zod';
import { withAccountLock } from '../accounts/accountLock';
import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { addDays } from '../calendar';
import { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { ConflictError, ValidationError } from '../errors';
import { assertSelfServeBilling } from '../featureFlags/selfServeBilling';
import { faultPoint } from '../faultPoints';
import { currentAttempt, type IdempotentAttempt } from '../idempotency/idempotentRequests';
import { recordSubscriptionEvent } from '../partnerWebhooks/events';
import { parseInput } from '../validation';
import { findCurrentSubscription } from './currentSubscription';
import { grantCurrentAllowance } from './creditAllowance';
import { endSubscription } from './stripeSubscriptionSync';
import { checkPlanChoice, findActivePlan, planChoiceInput, planField } from './planChoice';
import { Subscription } from './Subscription';

const trialInput = z
  .object({
    accountId: z.string().uuid('is not an account id'),
    ...planChoiceInput,
  })
  .superRefine(checkPlanChoice);

/** Whether the account has ever had a trial: each account gets one. */
export async function hasHadTrial({ accountId }: { accountId: string }): Promise<boolean> {
  return Boolean(await Subscription.query().where({ accountId }).whereNotNull('trialStart').first());
}

/**
 * Starts a trial without a card, for plans that allow it. It lives only here (Stripe knows nothing until a
 * card is added through Checkout, which converts it, keeping the remaining days); if it ends without a
 * card, the account drops back to the default plan. A retry after the trial was committed answers it.
 */
export async function startTrial({
  actor,
  attempt = currentAttempt(),
  ...input
}: { actor: Actor; attempt?: IdempotentAttempt | null } & z.input<typeof trialInput>): Promise<{
  subscriptionId: string;
}> {
  const { accountId, planId, planKey } = parseInput(trialInput, input);
  const answered = await attempt?.answerOf<{ subscriptionId: string }>('trial');
  if (answered) return answered;
  await authorizeAccount({ actor, accountId, permission: 'billing.manage' });
  await assertSelfServeBilling({ actor, accountId, action: 'start a trial' });
  const plan = await findActivePlan({ planId, planKey });
  if (!plan.trialWithoutCard || plan.trialDays === 0)
    throw ValidationError.forField(planField({ planKey }), `${plan.name} has no trial without a card`);
  if (await hasHadTrial({ accountId }))
    throw new ConflictError('This account has already had its free trial.');

  const answer = await withAccountLock(accountId, async ({ trx }) => {
    const current = await findCurrentSubscription({ trx, accountId });
    const currentPlan = current ? await Plan.query(trx).findById(current.planId) : undefined;
    if (current && (current.stripeSubscriptionId || !currentPlan?.isDefault)) {
      throw new ConflictError('Trials start from the free plan; this account already has a paid plan.');
    }
    if (current)
      await endSubscription({ trx, subscription: current, status: 'canceled', reason: 'trial started' });
    const start = now();
    const trialEnd = addDays(start, plan.trialDays);
    const trial = await Subscription.query(trx).insertAndFetch({
      accountId,
      planId: plan.id,
      status: 'trialing',
      quantity: 1,
      currentPeriodStart: start,
      currentPeriodEnd: trialEnd,
      billingCycleAnchor: start,
      startedAt: start,
      trialStart: start,
      trialEnd,
    });
    await recordSubscriptionEvent({ trx, before: null, after: trial });
    await grantCurrentAllowance({ trx, subscription: trial });
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'subscription.trial_started',
      target: { type: 'subscription', id: trial.id },
      details: { plan: plan.key, trialEnd },
    });
    const started = { subscriptionId: trial.id };
    await attempt?.recordAnswer({ trx, step: 'trial', answer: started });
    await faultPoint('trial.beforeCommit');
    return started;
  });
  await faultPoint('trial.afterCommit');
  return answer;
}
