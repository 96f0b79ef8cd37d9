import { ApiKey } from '../auth/ApiKey';
import DataLoader from 'dataloader';
import { Account } from '../accounts/Account';
import { Membership, type MembershipRole } from '../accounts/Membership';
import { Plan } from '../catalog/Plan';
import { PlanEntitlement } from '../catalog/PlanEntitlement';
import { Meter } from '../catalog/Meter';
import { lowBalanceThresholds } from '../credits/lowBalance';
import { InvoiceLine } from '../invoices/InvoiceLine';
import type { Subscription } from '../subscriptions/Subscription';
import { countCurrentSubscribers, findCurrentSubscriptions } from '../subscriptions/currentSubscription';
import { User } from '../auth/User';
import { CreditPackage } from '../catalog/CreditPackage';
import { NotFoundError } from '../errors';
import { Invoice } from '../invoices/Invoice';
import { evaluateFeatureFlags, type AccountFeatureFlag } from '../featureFlags/featureFlagEvaluation';

/**
 * Per-request batch loaders, so a list of N accounts costs one query per field rather than N.
 * They only fetch rows; who may see them was decided by the service that produced the parent (or,
 * for a mutation's payload, by the service that performed the mutation and returned the id).
 */
export function createLoaders() {
  return {
    accountById: new DataLoader<string, Account | undefined>(async (ids) =>
      byKey(ids, await Account.query().findByIds([...ids]), 'id'),
    ),
    userById: new DataLoader<string, User | undefined>(async (ids) =>
      byKey(ids, await User.query().findByIds([...ids]), 'id'),
    ),
    apiKeyById: new DataLoader<string, ApiKey | undefined>(async (ids) =>
      byKey(ids, await ApiKey.query().findByIds([...ids]), 'id'),
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
    creditPackageById: new DataLoader<string, CreditPackage | undefined>(async (ids) =>
      byKey(ids, await CreditPackage.query().findByIds([...ids]), 'id'),
    ),
    invoiceById: new DataLoader<string, Invoice | undefined>(async (ids) =>
      byKey(ids, await Invoice.query().findByIds([...ids]), 'id'),
    ),
    currentSubscriptionByAccountId: new DataLoader<string, Subscription | undefined>(async (ids) =>
      byKey(ids, await findCurrentSubscriptions({ accountIds: ids }), 'accountId'),
    ),
    /** Current subscriptions per plan version; who may ask is checked by the resolver (Plan.subscriberCount). */
    subscriberCountByPlanId: new DataLoader<string, number>(async (planIds) =>
      countCurrentSubscribers({ planIds }),
    ),
    /** Asked by both `CreditBalance.low` and `lowBalanceThresholdMilliCredits`: one query for the two. */
    lowBalanceThresholdByAccountId: new DataLoader<string, number>(lowBalanceThresholds),
    /** A user's role in an account, keyed `accountId:userId`; null for no membership. */
    membershipRole: new DataLoader<string, MembershipRole | null>(async (keys) => {
      const pairs = keys.map((key) => key.split(':') as [string, string]);
      const rows = await Membership.query().whereIn(['accountId', 'userId'], pairs);
      const roles = new Map(rows.map((row) => [`${row.accountId}:${row.userId}`, row.role]));
      return keys.map((key) => roles.get(key) ?? null);
    }),
    /** Every flag's value per account, for Account.featureFlags and Account.featureFlag: one query a page. */
    featureFlagsByAccountId: new DataLoader<string, AccountFeatureFlag[]>(async (ids) => {
      const evaluated = await evaluateFeatureFlags({ accountIds: ids });
      return ids.map((id) => evaluated.get(id)!);
    }),
    /** Permission checks already made in this request (server/graphql/fieldPermissions.ts). */
    permissionChecks: new Map<string, Promise<void>>(),
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

/** Loads the row a parent may refer to: null when it refers to none (or the row is gone). */
export async function loadOptional<T>(loader: DataLoader<string, T | undefined>, id: string | null) {
  return id ? ((await loader.load(id)) ?? null) : null;
}

/** Loads the row a parent refers to; a missing one is NOT_FOUND to the caller. */
export async function loadFound<T>(loader: DataLoader<string, T | undefined>, id: string, what: string) {
  const row = await loader.load(id);
  if (row === undefined) throw new NotFoundError(what);
  return row;
}

/** Loads a row a service has just named; its absence is a bug, not a user error. */
export async function loadNamed<T>(
  loader: DataLoader<string, T | undefined>,
  id: string,
  what: string,
): Promise<T> {
  const row = await loader.load(id);
  if (row === undefined) throw new Error(`${what} ${id} vanished after the service named it`);
  return row;
}

function byKey<T, K extends keyof T>(keys: readonly T[K][], rows: T[], key: K): Array<T | undefined> {
  const map = new Map(rows.map((row) => [row[key], row]));
  return keys.map((k) => map.get(k));
}

function groupByKey<T, K extends keyof T>(keys: readonly T[K][], rows: T[], key: K): T[][] {
  const groups = new Map<T[K], T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(row[key])?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}
