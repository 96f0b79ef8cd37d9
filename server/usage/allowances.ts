import type { Knex } from 'knex';
import type { Meter } from '../catalog/Meter';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';
import { quantityOf, readUsage } from './usageReads';
import { allowanceWindowAt, type UsageWindow } from './usageWindow';

export interface MeterAllowance {
  /** Units of the meter the plan includes in the window; null when unlimited, 0 when none. */
  included: number | null;
  /** Units used so far in the window. */
  used: number;
}

/**
 * For each meter, what the account's current plan includes in the window that usage recorded at `at`
 * counts against (its current billing period), and how much of that is used already.
 */
export async function meterAllowancesAt(query: {
  trx?: Knex.Transaction;
  accountId: string;
  meters: Array<Pick<Meter, 'id' | 'aggregation'>>;
  at: Date;
}): Promise<Map<string, MeterAllowance>> {
  const found = await allowanceWindowOf(query);
  return found?.allowances ?? new Map(query.meters.map((meter) => [meter.id, { included: 0, used: 0 }]));
}

/**
 * `meterAllowancesAt` with the window and the plan they belong to; null for an account with no current
 * subscription (nothing included).
 */
export async function allowanceWindowOf({
  trx,
  accountId,
  meters,
  at,
}: {
  trx?: Knex.Transaction;
  accountId: string;
  meters: Array<Pick<Meter, 'id' | 'aggregation'>>;
  at: Date;
}): Promise<{ planId: string; window: UsageWindow; allowances: Map<string, MeterAllowance> } | null> {
  const subscription = await findCurrentSubscription({ trx, accountId });
  if (!subscription) return null;
  const window = allowanceWindowAt({
    periodStart: subscription.currentPeriodStart,
    periodEnd: subscription.currentPeriodEnd,
    at,
  });
  // One after the other: within a transaction both would queue on its one connection anyway.
  const entitlements = await PlanEntitlement.query(trx)
    .where({ planId: subscription.planId, kind: 'metered' })
    .whereIn(
      'meterId',
      meters.map((meter) => meter.id),
    );
  const usage = await readUsage({ trx, accountId, meters, window, bucketSize: null });
  const allowances = new Map(
    meters.map((meter) => {
      const entitlement = entitlements.find((candidate) => candidate.meterId === meter.id);
      const included = entitlement?.unlimited ? null : (entitlement?.includedQuantity ?? 0);
      const used = quantityOf(meter, usage.find((row) => row.meterId === meter.id)?.aggregates);
      return [meter.id, { included, used }];
    }),
  );
  return { planId: subscription.planId, window, allowances };
}
