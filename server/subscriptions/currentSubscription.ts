import type { Knex } from 'knex';
import { periodEnd } from '../calendar';
import { findDefaultPlan } from '../catalog/catalog';
import type { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { NoDefaultPlanError } from '../errors';
import { recordSubscriptionEvent } from '../partnerWebhooks/events';
import { CURRENT_STATUSES, Subscription } from './Subscription';

/** The account's current subscription: the one in a current status (a partial unique index allows one). */
export async function findCurrentSubscription({
  trx,
  accountId,
}: {
  trx?: Knex.Transaction;
  accountId: string;
}) {
  return currentSubscriptions(trx).where({ accountId }).first();
}

/** The current subscriptions of several accounts at once, for batch loaders. */
export async function findCurrentSubscriptions({ accountIds }: { accountIds: readonly string[] }) {
  return currentSubscriptions().whereIn('accountId', [...accountIds]);
}

/**
 * How many current subscriptions (trialing, active, past due or paused) each plan version has, in the
 * order of `planIds`; 0 for a plan nobody is on. What the operator weighs before archiving a version.
 */
export async function countCurrentSubscribers({
  planIds,
}: {
  planIds: readonly string[];
}): Promise<number[]> {
  const rows = (await currentSubscriptions()
    .whereIn('planId', [...planIds])
    .groupBy('planId')
    .select('planId')
    .count('* as subscribers')) as unknown as Array<{ planId: string; subscribers: string | number }>;
  const counts = new Map(rows.map((row) => [row.planId, Number(row.subscribers)]));
  return planIds.map((planId) => counts.get(planId) ?? 0);
}

function currentSubscriptions(trx?: Knex.Transaction) {
  return Subscription.query(trx).whereIn('status', CURRENT_STATUSES);
}

/**
 * The plan every new account starts on; refuses with NO_DEFAULT_PLAN while the catalog has none, so
 * that sign-up and provisioning can refuse before they write anything.
 */
export async function requireDefaultPlan(trx?: Knex.Transaction): Promise<Plan> {
  const plan = await findDefaultPlan(trx);
  if (!plan) throw new NoDefaultPlanError();
  return plan;
}

/**
 * Puts a new account on the catalog's default plan (Free), or one whose subscription ended back on it,
 * telling partners (`subscription.created`). Periods on a free plan still matter: they are when monthly
 * allowances reset.
 */
export async function startDefaultSubscription({
  trx,
  accountId,
}: {
  trx: Knex.Transaction;
  accountId: string;
}): Promise<Subscription> {
  // Read in the caller's transaction: a second connection taken while this one holds locks would wait
  // for the pool, and a burst of sign-ups as large as the pool would wait on each other.
  const plan = await requireDefaultPlan(trx);
  const start = now();
  const started = await Subscription.query(trx).insertAndFetch({
    accountId,
    planId: plan.id,
    status: 'active',
    quantity: 1,
    currentPeriodStart: start,
    billingCycleAnchor: start,
    startedAt: start,
    currentPeriodEnd:
      plan.billingInterval === 'lifetime'
        ? null
        : periodEnd({ anchor: start, interval: plan.billingInterval }),
  });
  await recordSubscriptionEvent({ trx, before: null, after: started });
  return started;
}
