import type { Knex } from 'knex';
import { periodEnd } from '../calendar';
import { findDefaultPlan } from '../catalog/catalog';
import { now } from '../clock';
import { ConflictError } from '../errors';
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

function currentSubscriptions(trx?: Knex.Transaction) {
  return Subscription.query(trx).whereIn('status', CURRENT_STATUSES);
}

/**
 * Puts a new account on the catalog's default plan (Free). Periods on a free plan still matter: they
 * are when monthly allowances reset.
 */
export async function startDefaultSubscription({
  trx,
  accountId,
}: {
  trx: Knex.Transaction;
  accountId: string;
}): Promise<Subscription> {
  const plan = await findDefaultPlan();
  if (!plan)
    throw new ConflictError('The catalog has no default plan for new accounts; seed the catalog first.');
  const start = now();
  return Subscription.query(trx).insertAndFetch({
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
}
