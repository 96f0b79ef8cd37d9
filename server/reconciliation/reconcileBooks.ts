import { Model } from 'objection';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { now } from '../clock';
import {
  balancesMatchLedgers,
  grantsMatchAllocations,
  paidPurchasesHaveGrants,
  type Difference,
} from './ledgerChecks';
import { stripeChargesAreRecorded, stripeRefundsMatch } from './stripeActivityChecks';
import { paymentsMatchStripe } from './stripeChecks';
import { subscriptionsMatchStripe } from './subscriptionChecks';

export interface ReconciliationReport {
  id: string;
  startedAt: Date;
  finishedAt: Date;
  balanced: boolean;
  differences: Difference[];
  checked: Record<string, number>;
}

/** Payments, charges and refunds this recent are compared with Stripe on every run (a daily run overlaps the previous one). */
const STRIPE_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * Proves the books: cached balances equal their ledgers, grants their allocations, every paid credit
 * purchase granted its credits, our recent payments and refunds agree with Stripe, every recent charge
 * and refund in Stripe of one of our customers is recorded here, and every subscription Stripe bills
 * is current here (and the other way round). Stripe is read only through the adapter. It reports what differs (in
 * `reconciliation_reports`, and to the caller); it never changes the books, which need a person to
 * understand what went wrong.
 */
export async function reconcileBooks({ since }: { since?: Date } = {}): Promise<ReconciliationReport> {
  const startedAt = now();
  const stripeWindow = { since: since ?? new Date(startedAt.getTime() - STRIPE_WINDOW_MS) };
  const [balances, grants, purchases, payments, charges, refunds, subscriptions] = await Promise.all([
    balancesMatchLedgers(),
    grantsMatchAllocations(),
    paidPurchasesHaveGrants(),
    paymentsMatchStripe(stripeWindow),
    stripeChargesAreRecorded(stripeWindow),
    stripeRefundsMatch(stripeWindow),
    subscriptionsMatchStripe(),
  ]);
  const differences = [
    ...balances,
    ...grants,
    ...purchases,
    ...payments.differences,
    ...charges.differences,
    ...refunds.differences,
    ...subscriptions.differences,
  ];
  const [{ count: accounts }] = await Model.knex()('creditBalances').count<[{ count: number }]>('* as count');
  const checked = {
    accounts,
    paymentsComparedWithStripe: payments.checked,
    stripeChargesChecked: charges.checked,
    refundsComparedWithStripe: refunds.checked,
    subscriptionsComparedWithStripe: subscriptions.checked,
  };
  const [row] = await Model.knex()('reconciliationReports')
    .insert({
      startedAt,
      finishedAt: now(),
      balanced: differences.length === 0,
      differences: JSON.stringify(differences),
      checked: JSON.stringify(checked),
    })
    .returning('*');
  return row as ReconciliationReport;
}

export async function latestReconciliation({
  actor,
}: {
  actor: Actor;
}): Promise<ReconciliationReport | null> {
  requirePlatformAdmin(actor);
  return (await Model.knex()('reconciliationReports').orderBy('startedAt', 'desc').first()) ?? null;
}

export async function runReconciliation({ actor }: { actor: Actor }): Promise<ReconciliationReport> {
  requirePlatformAdmin(actor);
  return reconcileBooks();
}
