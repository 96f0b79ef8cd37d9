import DataLoader from 'dataloader';
import { Account } from '../accounts/Account';
import { Plan } from '../catalog/Plan';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { Meter } from '../catalog/Meter';
import { lowBalanceThresholds } from '../credits/lowBalance';
import { InvoiceLine } from '../invoices/InvoiceLine';
import { CURRENT_STATUSES, Subscription } from '../subscriptions/Subscription';
import { User } from '../auth/User';

/**
 * Per-request batch loaders, so a list of N accounts costs one query per field rather than N.
 * They only fetch rows; who may see them was decided by the service that produced the parent.
 */
export function createLoaders() {
  return {
    accountById: new DataLoader<string, Account | undefined>(async (ids) =>
      byKey(ids, await Account.query().findByIds([...ids]), 'id'),
    ),
    userById: new DataLoader<string, User | undefined>(async (ids) =>
      byKey(ids, await User.query().findByIds([...ids]), 'id'),
    ),
    planById: new DataLoader<string, Plan | undefined>(async (ids) =>
      byKey(ids, await Plan.query().findByIds([...ids]), 'id'),
    ),
    meterById: new DataLoader<string, Meter | undefined>(async (ids) =>
      byKey(ids, await Meter.query().findByIds([...ids]), 'id'),
    ),
    entitlementsByPlanId: new DataLoader<string, PlanEntitlement[]>(async (ids) =>
      groupByKey(
        ids,
        await PlanEntitlement.query()
          .whereIn('planId', [...ids])
          .orderBy('featureKey'),
        'planId',
      ),
    ),
    currentSubscriptionByAccountId: new DataLoader<string, Subscription | undefined>(async (ids) =>
      byKey(
        ids,
        await Subscription.query()
          .whereIn('accountId', [...ids])
          .whereIn('status', CURRENT_STATUSES),
        'accountId',
      ),
    ),
    /** Asked by both `CreditBalance.low` and `lowBalanceThresholdMilliCredits`: one query for the two. */
    lowBalanceThresholdByAccountId: new DataLoader<string, number>(lowBalanceThresholds),
    linesByInvoiceId: new DataLoader<string, InvoiceLine[]>(async (ids) =>
      groupByKey(
        ids,
        await InvoiceLine.query()
          .whereIn('invoiceId', [...ids])
          .orderBy('id'),
        'invoiceId',
      ),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

function byKey<T, K extends keyof T>(keys: readonly T[K][], rows: T[], key: K): Array<T | undefined> {
  const map = new Map(rows.map((row) => [row[key], row]));
  return keys.map((k) => map.get(k));
}

function groupByKey<T, K extends keyof T>(keys: readonly T[K][], rows: T[], key: K): T[][] {
  const groups = new Map<T[K], T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(row[key])?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}
