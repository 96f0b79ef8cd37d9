import type { Knex } from 'knex';
import { Model } from 'objection';
import { addMonthsClamped } from '../calendar';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { now as clockNow } from '../clock';
import { grantAllowanceMonth, type AllowanceMonth } from '../credits/allowanceGrants';
import { eachOnItsOwn } from '../jobs/eachOnItsOwn';
import { withinJobScope, type JobScope } from '../testClocks/jobScope';
import { CURRENT_STATUSES, Subscription } from './Subscription';

/** How many months the job catches up, at most, when it finds months of a period never granted. */
const MAX_MONTHS_CAUGHT_UP = 12;

/**
 * The months of the subscription's current period that have begun by `at`, oldest first (at most the
 * last twelve). Allowances are monthly even on yearly plans, counted from the period's start
 * (Jan 31 → Feb 28 → Mar 31), and never outlast the period. A trial is a period of its own.
 */
export function allowanceMonths(subscription: Subscription, at: Date): AllowanceMonth[] {
  const { currentPeriodStart: periodStart, currentPeriodEnd: periodEnd } = subscription;
  const months: AllowanceMonth[] = [];
  for (let index = 0; ; index += 1) {
    const start = addMonthsClamped(periodStart, index);
    if (start > at || (periodEnd && start >= periodEnd)) break;
    const monthEnd = addMonthsClamped(periodStart, index + 1);
    months.push({ start, end: periodEnd && periodEnd < monthEnd ? periodEnd : monthEnd });
  }
  return months.slice(-MAX_MONTHS_CAUGHT_UP);
}

/**
 * Whether the current period earns its allowance now: a trial does; an active period once it is paid
 * (Stripe marks a renewed subscription active an hour before it charges the renewal, so the invoice
 * carrying the period's charge must be paid); one past due, unpaid, incomplete or paused does not,
 * until it is paid. Subscriptions Stripe does not bill (the free plan, lifetime plans) need no invoice.
 */
async function periodEarnsAllowance({
  trx,
  subscription,
}: {
  trx?: Knex.Transaction;
  subscription: Subscription;
}): Promise<boolean> {
  if (subscription.status === 'trialing') return true;
  if (subscription.status !== 'active') return false;
  if (!subscription.stripeSubscriptionId) return true;
  const paid = await (trx ?? Model.knex())('invoiceLines as line')
    .join('invoices as invoice', 'invoice.id', 'line.invoiceId')
    .where({
      'invoice.subscriptionId': subscription.id,
      'invoice.status': 'paid',
      'line.kind': 'subscription',
      'line.periodStart': subscription.currentPeriodStart,
    })
    .first('line.id');
  return Boolean(paid);
}

/**
 * Grants the plan's monthly credit allowance for every month of the current period that has begun and
 * is not granted in full yet: normally the current one, and the months that passed while nothing ran
 * (late webhooks, the job down), each with its own expiry. Once per month of the subscription, whatever
 * the plan; an upgrade adds the difference (server/credits/allowanceGrants.ts). Safe to call from every
 * path that changes a subscription, and from the job. Returns whether anything was granted.
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
  const allowance = await PlanEntitlement.query(trx).findOne({
    planId: subscription.planId,
    kind: 'credits',
  });
  if (!allowance?.creditAllowance) return false;
  const due = await monthsNotGrantedInFull({
    trx,
    subscription,
    months: allowanceMonths(subscription, at),
    allowance: allowance.creditAllowance,
  });
  if (due.length === 0 || !(await periodEarnsAllowance({ trx, subscription }))) return false;
  let granted = 0;
  for (const month of due)
    granted += await grantAllowanceMonth({
      trx,
      accountId: subscription.accountId,
      subscriptionId: subscription.id,
      month,
      allowance: allowance.creditAllowance,
      at,
    });
  return granted > 0;
}

/** A read before any lock: most calls find every month granted, and lock nothing. */
async function monthsNotGrantedInFull({
  trx,
  subscription,
  months,
  allowance,
}: {
  trx?: Knex.Transaction;
  subscription: Subscription;
  months: AllowanceMonth[];
  allowance: number;
}): Promise<AllowanceMonth[]> {
  if (months.length === 0) return [];
  const granted: Array<{ expiresAt: Date; amount: number }> = await (trx ?? Model.knex())('creditGrants')
    .where({ subscriptionId: subscription.id, source: 'plan_allowance' })
    .whereIn(
      'expiresAt',
      months.map((month) => month.end),
    )
    .groupBy('expiresAt')
    .select('expiresAt', Model.knex().raw('sum(amount)::bigint as amount'));
  const grantedBy = new Map(granted.map((row) => [row.expiresAt.getTime(), row.amount]));
  return months.filter((month) => (grantedBy.get(month.end.getTime()) ?? 0) < allowance);
}

/** The job behind it: every current subscription gets the months of its allowance that are due. */
export async function grantPlanAllowances({
  at = clockNow(),
  ...scope
}: { at?: Date } & JobScope = {}): Promise<number> {
  const subscriptions = await Subscription.query()
    .modify(withinJobScope('subscriptions.accountId', scope))
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
