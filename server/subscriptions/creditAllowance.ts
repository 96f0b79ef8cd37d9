import type { Knex } from 'knex';
import { systemActor } from '../auth/actor';
import { addMonthsClamped } from '../calendar';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { now as clockNow } from '../clock';
import { GRANT_PRIORITY } from '../credits/CreditGrant';
import { grantCredits } from '../credits/grants';
import { grantsAccess } from '../entitlements/entitlementProfile';
import { eachOnItsOwn } from '../jobs/eachOnItsOwn';
import { CURRENT_STATUSES, Subscription } from './Subscription';

const actor = systemActor('plan credit allowance');

/**
 * The month of a subscription's life that contains `at`: allowances are monthly even on yearly plans,
 * counted from the start of the billing period (Jan 31 → Feb 28 → Mar 31), and never outlast the period.
 */
export function allowanceMonth(subscription: Subscription, at: Date): { start: Date; end: Date } {
  const periodStart = subscription.currentPeriodStart;
  let months = 0;
  while (addMonthsClamped(periodStart, months + 1) <= at) months += 1;
  const start = addMonthsClamped(periodStart, months);
  const monthEnd = addMonthsClamped(periodStart, months + 1);
  const periodEnd = subscription.currentPeriodEnd;
  return { start, end: periodEnd && periodEnd < monthEnd ? periodEnd : monthEnd };
}

/**
 * Grants the plan's monthly credit allowance for the month the subscription is in, expiring at the
 * month's end, once: the key names the subscription, the plan and the month, so running it again (or
 * from the job below) grants nothing more, while an upgrade within the month grants the new plan's.
 */
export async function grantCurrentAllowance({
  trx,
  subscription,
  at = clockNow(),
}: {
  trx?: Knex.Transaction;
  subscription: Subscription;
  at?: Date;
}): Promise<boolean> {
  if (!grantsAccess(subscription, at)) return false;
  const allowance = await PlanEntitlement.query(trx).findOne({
    planId: subscription.planId,
    kind: 'credits',
  });
  if (!allowance?.creditAllowance) return false;
  const month = allowanceMonth(subscription, at);
  if (month.end <= at) return false;
  const { replayed } = await grantCredits({
    trx,
    actor,
    accountId: subscription.accountId,
    source: 'plan_allowance',
    priority: GRANT_PRIORITY.planAllowance,
    amount: allowance.creditAllowance,
    expiresAt: month.end,
    subscriptionId: subscription.id,
    description: 'Monthly credits included in the plan',
    idempotencyKey: `plan-allowance:${subscription.id}:${subscription.planId}:${month.start.toISOString()}`,
  });
  return !replayed;
}

/** The job behind it: every current subscription gets its month's allowance, whatever started the month. */
export async function grantPlanAllowances({ at = clockNow() } = {}): Promise<number> {
  const subscriptions = await Subscription.query()
    .whereIn('status', CURRENT_STATUSES)
    .whereExists(
      PlanEntitlement.query()
        .where('kind', 'credits')
        .whereColumn('planEntitlements.planId', 'subscriptions.planId'),
    );
  let granted = 0;
  await eachOnItsOwn(subscriptions, async (subscription) => {
    if (await grantCurrentAllowance({ subscription, at })) granted += 1;
  });
  return granted;
}
