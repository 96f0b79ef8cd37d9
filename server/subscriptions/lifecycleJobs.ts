import { withAccountLock } from '../accounts/accountLock';
import { systemActor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { addDays, periodEnd } from '../calendar';
import { Plan } from '../catalog/Plan';
import { now as clockNow } from '../clock';
import { eachOnItsOwn } from '../jobs/eachOnItsOwn';
import { recordSubscriptionEvent, recordTrialEnding } from '../partnerWebhooks/events';
import { changeStripeSubscription, cancelStripeSubscriptionNow } from '../stripe/subscriptions';
import { startDefaultSubscription } from './currentSubscription';
import { notifySubscriptionEvent } from './notices';
import { scheduledChangeOf, NO_SCHEDULED_CHANGE } from './scheduledChange';
import { endSubscription } from './stripeSubscriptionSync';
import { recordSubscriptionChange } from './subscriptionChanges';
import { Subscription } from './Subscription';
import { withinJobScope, type JobScope } from '../testClocks/jobScope';

/**
 * The time-driven parts of the lifecycle, run every minute by the job queue (server/jobs/). Each finds
 * what is due, then re-checks it under the account's lock before acting, so a second run, or a run on
 * another process, finds nothing left to do; each due subscription is handled on its own, so one that
 * fails does not hold up the rest.
 */
const actor = systemActor('lifecycle job');
const TRIAL_NOTICE_DAYS = 3;
/**
 * Scheduled changes are made in Stripe shortly before the period ends, so that the renewal invoice
 * Stripe creates at the period end is already at the new price.
 */
export const SCHEDULED_CHANGE_LEAD_MS = 10 * 60 * 1000;

/** How many due subscriptions one run takes; the next run, a minute later, takes the rest. */
const BATCH = 500;

/** Card-less trials that reached their end drop to the default plan. */
export async function expireTrials({
  now = clockNow(),
  ...scope
}: { now?: Date } & JobScope = {}): Promise<number> {
  const candidates = await Subscription.query()
    .modify(withinJobScope('accountId', scope))
    .where({ status: 'trialing' })
    .whereNull('stripeSubscriptionId')
    .where('trialEnd', '<=', now)
    .limit(BATCH);
  let expired = 0;
  await eachOnItsOwn(candidates, async (candidate) => {
    await withAccountLock(candidate.accountId, async ({ trx }) => {
      const subscription = await Subscription.query(trx).findById(candidate.id);
      if (
        !subscription ||
        subscription.status !== 'trialing' ||
        !subscription.trialEnd ||
        subscription.trialEnd > now
      )
        return;
      const plan = await Plan.query(trx).findById(subscription.planId).throwIfNotFound();
      await endSubscription({ trx, subscription, status: 'expired', reason: 'trial ended without a card' });
      await startDefaultSubscription({ trx, accountId: subscription.accountId });
      await notifySubscriptionEvent({
        trx,
        subscription,
        plan,
        kind: 'subscription_canceled',
        cause: 'trial_expired',
      });
      await recordAudit({
        trx,
        actor,
        accountId: subscription.accountId,
        action: 'subscription.trial_expired',
        target: { type: 'subscription', id: subscription.id },
      });
      expired += 1;
    });
  });
  return expired;
}

/** Three days before a card-less trial ends, tell the customer (Stripe does this for trials it runs). */
export async function notifyTrialsEnding({
  now = clockNow(),
  ...scope
}: { now?: Date } & JobScope = {}): Promise<void> {
  const ending = await Subscription.query()
    .modify(withinJobScope('accountId', scope))
    .where({ status: 'trialing' })
    .whereNull('stripeSubscriptionId')
    .where('trialEnd', '>', now)
    .where('trialEnd', '<=', addDays(now, TRIAL_NOTICE_DAYS))
    .limit(BATCH);
  await eachOnItsOwn(ending, async (subscription) => {
    await withAccountLock(subscription.accountId, async ({ trx }) => {
      const plan = await Plan.query(trx).findById(subscription.planId).throwIfNotFound();
      await notifySubscriptionEvent({
        trx,
        subscription,
        plan,
        kind: 'trial_ending',
        cause: subscription.trialEnd!.toISOString(),
      });
      await recordTrialEnding({ trx, subscription });
    });
  });
}

/** A past-due subscription whose grace period ended unpaid is canceled; the account drops to the default plan. */
export async function expireGracePeriods({
  now = clockNow(),
  ...scope
}: { now?: Date } & JobScope = {}): Promise<number> {
  const candidates = await Subscription.query()
    .modify(withinJobScope('accountId', scope))
    .where({ status: 'past_due' })
    .where('gracePeriodEndsAt', '<=', now)
    .limit(BATCH);
  let ended = 0;
  await eachOnItsOwn(candidates, async (candidate) => {
    if (!candidate.stripeSubscriptionId) return;
    await cancelStripeSubscriptionNow({ stripeSubscriptionId: candidate.stripeSubscriptionId });
    await recordSubscriptionChange({
      actor,
      subscription: candidate,
      patch: { cancellationReason: 'grace period ended unpaid' },
      audit: { action: 'subscription.grace_period_expired' },
    });
    ended += 1;
  });
  return ended;
}

/**
 * Changes scheduled for the end of a period (a downgrade, fewer seats, a move to another plan version),
 * made in Stripe just before it ends.
 */
export async function applyScheduledPlanChanges({
  now = clockNow(),
  ...scope
}: { now?: Date } & JobScope = {}): Promise<number> {
  const candidates = await Subscription.query()
    .modify(withinJobScope('accountId', scope))
    .whereNotNull('scheduledChangeAt')
    .whereNotNull('stripeSubscriptionId')
    .whereIn('status', ['trialing', 'active', 'past_due'])
    .where('scheduledChangeAt', '<=', new Date(now.getTime() + SCHEDULED_CHANGE_LEAD_MS))
    .limit(BATCH);
  let applied = 0;
  await eachOnItsOwn(candidates, async (candidate) => {
    const change = scheduledChangeOf(candidate)!;
    const plan = await Plan.query().findById(change.planId).throwIfNotFound();
    await changeStripeSubscription({
      stripeSubscriptionId: candidate.stripeSubscriptionId!,
      priceId: plan.stripePriceId!,
      quantity: change.quantity,
      prorationBehavior: 'none',
      idempotencyKey: `scheduled-change-${candidate.id}-${change.effectiveAt.getTime()}`,
    });
    await recordSubscriptionChange({
      actor,
      subscription: candidate,
      patch: NO_SCHEDULED_CHANGE,
      audit: {
        action: 'subscription.scheduled_change_applied',
        details: { to: plan.key, version: plan.version, seats: change.quantity },
      },
    });
    applied += 1;
  });
  return applied;
}

/** Subscriptions Stripe does not bill (the free plan) still have periods: allowances reset with them. */
export async function rollLocalPeriods({
  now = clockNow(),
  ...scope
}: { now?: Date } & JobScope = {}): Promise<number> {
  const candidates = await Subscription.query()
    .modify(withinJobScope('accountId', scope))
    .where({ status: 'active' })
    .whereNull('stripeSubscriptionId')
    .whereNotNull('currentPeriodEnd')
    .where('currentPeriodEnd', '<=', now)
    .limit(BATCH);
  let rolled = 0;
  await eachOnItsOwn(candidates, async (candidate) => {
    await withAccountLock(candidate.accountId, async ({ trx }) => {
      const subscription = await Subscription.query(trx).findById(candidate.id);
      if (!subscription?.currentPeriodEnd || subscription.currentPeriodEnd > now) return;
      const plan = await Plan.query(trx).findById(subscription.planId).throwIfNotFound();
      if (plan.billingInterval === 'lifetime') return;
      const anchor = subscription.billingCycleAnchor ?? subscription.currentPeriodStart;
      let periods = 1;
      while (periodEnd({ anchor, interval: plan.billingInterval, periods }) <= now) periods += 1;
      const updated = await Subscription.query(trx).patchAndFetchById(subscription.id, {
        currentPeriodStart: periodEnd({ anchor, interval: plan.billingInterval, periods: periods - 1 }),
        currentPeriodEnd: periodEnd({ anchor, interval: plan.billingInterval, periods }),
      });
      await recordSubscriptionEvent({ trx, before: subscription, after: updated });
      rolled += 1;
    });
  });
  return rolled;
}
