import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { systemActor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { addDays } from '../calendar';
import { Plan } from '../catalog/Plan';
import { Contract } from '../contracts/Contract';
import { now } from '../clock';
import { settings } from '../settings';
import { fetchStripeSubscription, type StripeSubscriptionState } from '../stripe/subscriptions';
import { startDefaultSubscription, findCurrentSubscription } from './currentSubscription';
import { grantCurrentAllowance } from './creditAllowance';
import { settleExtraSubscription } from './extraSubscriptions';
import { applyPendingSubscription } from './pendingSubscriptions';
import { assertTransition, ENDED_STATUSES } from './lifecycle';
import { notifySubscriptionEvent } from './notices';
import { NO_SCHEDULED_CHANGE } from './scheduledChange';
import { Subscription, type SubscriptionStatus } from './Subscription';
import { recordSubscriptionEvent } from '../partnerWebhooks/events';

const actor = systemActor('stripe webhook');

/** Stripe's statuses in ours. `unpaid` is a past-due subscription Stripe stopped retrying. */
export const STATUS_FROM_STRIPE: Record<string, SubscriptionStatus> = {
  incomplete: 'incomplete',
  incomplete_expired: 'expired',
  trialing: 'trialing',
  active: 'active',
  past_due: 'past_due',
  unpaid: 'past_due',
  canceled: 'canceled',
  paused: 'paused',
};

/**
 * Brings our copy of a Stripe subscription up to Stripe's current state. The caller holds the account's
 * row lock and fetched `state` after taking it, so concurrent deliveries apply states in Stripe's order.
 * A paid subscription that goes live replaces the account's current one (the free plan, a card-less
 * trial) unless the account pays already: then it is an extra one, undone by `settleExtraSubscription`.
 * One whose first payment is not complete is recorded as pending, and becomes the account's only once
 * it goes live (pendingSubscriptions.ts). One that ends puts the account back on the default plan.
 */
export async function applyStripeSubscription({
  trx,
  account,
  state,
}: {
  trx: Knex.Transaction;
  account: Account;
  state: StripeSubscriptionState;
}) {
  const status = STATUS_FROM_STRIPE[state.status];
  if (!status) throw new Error(`Unknown Stripe subscription status ${state.status}`);
  const plan = await planForPrice({ trx, state });
  const contract = await contractOfPrice({ trx, state });
  if (contract && ENDED_STATUSES.includes(status))
    await Contract.query(trx).findById(contract.id).where({ status: 'active' }).patch({ status: 'ended' });
  const existing = await Subscription.query(trx).findOne({
    stripeSubscriptionId: state.stripeSubscriptionId,
  });

  const fields = {
    planId: plan.id,
    status,
    quantity: state.quantity,
    currentPeriodStart: state.currentPeriodStart,
    currentPeriodEnd: state.currentPeriodEnd,
    trialStart: state.trialStart,
    trialEnd: state.trialEnd,
    cancelAtPeriodEnd: state.cancelAtPeriodEnd,
    canceledAt: state.canceledAt,
    endedAt: ENDED_STATUSES.includes(status) ? (state.endedAt ?? now()) : null,
    stripeSyncedAt: now(),
    contractId: contract?.id ?? null,
  };

  if (await applyPendingSubscription({ trx, account, state, plan, fields, existing })) return;
  const goesLive = !ENDED_STATUSES.includes(status);
  const pending = existing?.status === 'incomplete' ? existing : undefined;
  if (!existing || pending) {
    const current = await findCurrentSubscription({ trx, accountId: account.id });
    if (goesLive && current && (await isPaidSubscription({ trx, subscription: current })))
      return settleExtraSubscription({ trx, account, state, plan, pending, liveStatus: status });
    if (goesLive && current)
      await endSubscription({ trx, subscription: current, status: 'canceled', reason: 'replaced' });
    const started = pending
      ? await Subscription.query(trx).patchAndFetchById(pending.id, {
          ...fields,
          gracePeriodEndsAt: graceFor(status, null),
        })
      : await Subscription.query(trx).insertAndFetch({
          accountId: account.id,
          stripeSubscriptionId: state.stripeSubscriptionId,
          startedAt: state.startedAt,
          ...fields,
          gracePeriodEndsAt: graceFor(status, null),
        });
    await grantCurrentAllowance({ trx, subscription: started });
    await recordSubscriptionEvent({ trx, before: null, after: started });
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      action: 'subscription.started',
      target: { type: 'subscription', id: started.id },
      details: { plan: plan.key, status },
    });
    return;
  }

  // Ended here but still live in Stripe: it would go on charging for nothing.
  if (ENDED_STATUSES.includes(existing.status)) {
    if (goesLive && status !== 'incomplete')
      await settleExtraSubscription({ trx, account, state, plan, replaced: existing, liveStatus: status });
    return;
  }
  assertTransition(existing.status, status);
  const updated = await Subscription.query(trx).patchAndFetchById(existing.id, {
    ...fields,
    gracePeriodEndsAt: graceFor(status, existing.gracePeriodEndsAt),
  });
  await grantCurrentAllowance({ trx, subscription: updated });
  await recordSubscriptionEvent({ trx, before: existing, after: updated });
  if (existing.planId !== plan.id) {
    await recordAudit({
      trx,
      actor,
      accountId: account.id,
      action: 'subscription.plan_changed',
      target: { type: 'subscription', id: existing.id },
      details: { to: plan.key },
    });
    await notifySubscriptionEvent({ trx, subscription: updated, plan, kind: 'plan_changed' });
  }
  if (updated.cancelAtPeriodEnd && !existing.cancelAtPeriodEnd && !ENDED_STATUSES.includes(status))
    await notifySubscriptionEvent({
      trx,
      subscription: updated,
      plan,
      kind: 'subscription.cancellation_scheduled',
    });
  if (ENDED_STATUSES.includes(status) && !ENDED_STATUSES.includes(existing.status)) {
    await notifySubscriptionEvent({ trx, subscription: updated, plan, kind: 'subscription_canceled' });
    if (!(await findCurrentSubscription({ trx, accountId: account.id })))
      await startDefaultSubscription({ trx, accountId: account.id });
  }
}

/**
 * Re-fetch, then apply: an event (or our own call to Stripe) only says *that* something changed; what
 * it looks like now comes from Stripe, so duplicates, late and reordered deliveries converge on it.
 * The caller holds the account's row lock.
 */
export async function syncSubscriptionFromStripe({
  trx,
  account,
  stripeSubscriptionId,
}: {
  trx: Knex.Transaction;
  account: Account;
  stripeSubscriptionId: string;
}) {
  const state = await fetchStripeSubscription(stripeSubscriptionId);
  await applyStripeSubscription({ trx, account, state });
  return state;
}

/** A subscription the account pays for: one billed by Stripe, or a paid lifetime plan. */
export async function isPaidSubscription({
  trx,
  subscription,
}: {
  trx?: Knex.Transaction;
  subscription: Subscription;
}): Promise<boolean> {
  if (subscription.stripeSubscriptionId) return true;
  const plan = await Plan.query(trx).findById(subscription.planId);
  return Boolean(plan && plan.billingInterval === 'lifetime' && plan.priceAmount > 0);
}

/** Ends a subscription locally (the caller deals with Stripe). */
export async function endSubscription({
  trx,
  subscription,
  status,
  reason,
}: {
  trx: Knex.Transaction;
  subscription: Subscription;
  status: 'canceled' | 'expired';
  reason: string;
}): Promise<void> {
  assertTransition(subscription.status, status);
  const time = now();
  const ended = await Subscription.query(trx).patchAndFetchById(subscription.id, {
    status,
    endedAt: time,
    canceledAt: subscription.canceledAt ?? time,
    cancellationReason: reason,
    ...NO_SCHEDULED_CHANGE,
    gracePeriodEndsAt: null,
  });
  await recordSubscriptionEvent({ trx, before: subscription, after: ended });
}

/** A past-due subscription keeps access until its grace period ends; the period starts at the first failure. */
function graceFor(status: SubscriptionStatus, existing: Date | null): Date | null {
  if (status !== 'past_due') return null;
  return existing ?? addDays(now(), settings().gracePeriodDays);
}

/** Our plan version behind a Stripe subscription's price. */
export async function planForPrice({
  trx,
  state,
}: {
  trx: Knex.Transaction;
  state: StripeSubscriptionState;
}): Promise<Plan> {
  const byPrice = state.stripePriceId
    ? await Plan.query(trx).findOne({ stripePriceId: state.stripePriceId })
    : undefined;
  if (byPrice) return byPrice;
  const contract = await contractOfPrice({ trx, state });
  if (contract) return Plan.query(trx).findById(contract.planId).throwIfNotFound();
  const match = state.priceLookupKey ? /^plan:(.+):v(\d+)$/.exec(state.priceLookupKey) : null;
  const byLookupKey = match
    ? await Plan.query(trx).findOne({ key: match[1], version: Number(match[2]) })
    : undefined;
  if (byLookupKey) return byLookupKey;
  throw new Error(
    `No plan matches Stripe price ${state.stripePriceId ?? 'none'} (${state.priceLookupKey ?? 'no lookup key'})`,
  );
}

/** The custom contract a Stripe subscription bills, by the price made for it alone. */
async function contractOfPrice({
  trx,
  state,
}: {
  trx: Knex.Transaction;
  state: StripeSubscriptionState;
}): Promise<Contract | undefined> {
  if (!state.stripePriceId) return undefined;
  return Contract.query(trx).findOne({ stripePriceId: state.stripePriceId });
}
