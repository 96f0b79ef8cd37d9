import type { Knex } from 'knex';
import { Model } from 'objection';
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { addMonthsClamped, addDays } from '../calendar';
import { ValidationError } from '../errors';
import { EXTRA_SUBSCRIPTION_REASON } from '../subscriptions/extraSubscriptions';
import { FIRST_PAYMENT_NEVER_COMPLETED } from '../subscriptions/pendingSubscriptions';
import { parseInput } from '../validation';
import { monthlyRecurringRevenue } from './recurringRevenue';

/**
 * The business at a glance for platform admins (seeds 001 and 003): MRR, ARR, ARPU, churn, trial
 * conversion, active subscriptions by tier and failed payments, now and over time. Figures are in the
 * minor units of one currency (USD by default); each subscription counts in its plan's currency.
 *
 * History is computed from subscription rows (each counted between its start and its end, and not while
 * trialing) at the plan and seats it had on each day (subscription_plan_history); cash figures
 * (collected, refunded, failed) come from payments and are exact, each dated when the money moved (a
 * charge when it was paid, a refund when Stripe made it), not when we recorded it. Subscriptions that
 * were never the account's (an extra one, canceled and refunded in full; one whose first payment never
 * completed) count nowhere: not in MRR, paying accounts, churn or trials. Their refunds count as refunds.
 */
const input = z.object({
  from: z.date(),
  to: z.date(),
  granularity: z.enum(['day', 'month']).default('month'),
  currency: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{3}$/, 'is not an ISO 4217 currency code')
    .default('usd'),
});

export interface RevenuePoint {
  at: Date;
  mrr: number;
  payingAccounts: number;
  collected: number;
  refunded: number;
  failedPayments: number;
}

export interface RevenueMetrics {
  currency: string;
  mrr: number;
  arr: number;
  /** MRR per paying account (rounded half up); 0 without paying accounts. */
  arpu: number;
  payingAccounts: number;
  /** Paid subscriptions that ended in the range, per 10,000 paid subscriptions at its start. */
  churnBasisPoints: number;
  /** Trials that ended in the range and became paid, per 10,000 trials that ended. */
  trialConversionBasisPoints: number;
  trialsEnded: number;
  /** Trials that started in the range (every currency). */
  trialsStarted: number;
  /** Charges in the currency that went through, per 10,000 tried in the range (refunds aside). */
  paymentSuccessBasisPoints: number;
  /** Charges tried in the range that went through or failed: the base of the success rate. */
  paymentsAttempted: number;
  /** Stripe events received in the range that were applied (or had nothing to apply), per 10,000. */
  stripeEventSuccessBasisPoints: number;
  stripeEventsReceived: number;
  /** The mean credit balance of accounts now, in milli-credits (rounded down); 0 without accounts. */
  averageCreditBalanceMilliCredits: number;
  subscriptionsByTier: Array<{ tier: string; count: number }>;
  failedPayments: { count: number; amount: number };
  series: RevenuePoint[];
}

const MAX_POINTS = 400;

export async function revenueMetrics({
  actor,
  ...args
}: { actor: Actor } & z.input<typeof input>): Promise<RevenueMetrics> {
  requirePlatformAdmin(actor);
  const { from, to, granularity, currency } = parseInput(input, args);
  if (to <= from) throw ValidationError.forField('to', 'must be after from');
  const points = bucketStarts({ from, to, granularity });
  if (points.length > MAX_POINTS)
    throw ValidationError.forField(
      'granularity',
      `gives more than ${MAX_POINTS} points over this range; use month`,
    );

  const series = await Promise.all(
    points.map(async (at, index) => ({
      at,
      ...(await cashBetween({ from: at, to: points[index + 1] ?? to, currency })),
      ...(await recurringAt({ at, currency })),
    })),
  );
  const current = await recurringAt({ at: to, currency });
  const [churnBasisPoints, trials, subscriptionsByTier, failed, payments, events, averageCreditBalance] =
    await Promise.all([
      churn({ from, to, currency }),
      trialConversion({ from, to }),
      byTier({ at: to }),
      cashBetween({ from, to, currency }),
      paymentAttempts({ from, to, currency }),
      stripeEventOutcomes({ from, to }),
      meanCreditBalance(),
    ]);
  return {
    currency,
    mrr: current.mrr,
    arr: current.mrr * 12,
    arpu:
      current.payingAccounts === 0
        ? 0
        : Math.floor((2 * current.mrr + current.payingAccounts) / (2 * current.payingAccounts)),
    payingAccounts: current.payingAccounts,
    churnBasisPoints,
    trialConversionBasisPoints: basisPoints(trials.converted, trials.ended),
    trialsEnded: trials.ended,
    trialsStarted: trials.started,
    paymentSuccessBasisPoints: basisPoints(payments.succeeded, payments.attempted),
    paymentsAttempted: payments.attempted,
    stripeEventSuccessBasisPoints: basisPoints(events.succeeded, events.received),
    stripeEventsReceived: events.received,
    averageCreditBalanceMilliCredits: averageCreditBalance,
    subscriptionsByTier,
    failedPayments: { count: failed.failedPayments, amount: failed.failedAmount },
    series: series.map(({ failedAmount: _failedAmount, ...point }) => point),
  };
}

function bucketStarts({
  from,
  to,
  granularity,
}: {
  from: Date;
  to: Date;
  granularity: 'day' | 'month';
}): Date[] {
  const starts: Date[] = [];
  for (let index = 0; starts.length <= MAX_POINTS; index += 1) {
    const at = granularity === 'day' ? addDays(from, index) : addMonthsClamped(from, index);
    if (at >= to) break;
    starts.push(at);
  }
  return starts;
}

/** Leaves out subscriptions `s` that were never the account's (decision 014, pendingSubscriptions.ts). */
export function everTheAccounts(query: Knex.QueryBuilder): Knex.QueryBuilder {
  return query.whereRaw(`coalesce(s.cancellation_reason, '') not in (?, ?)`, [
    EXTRA_SUBSCRIPTION_REASON,
    FIRST_PAYMENT_NEVER_COMPLETED,
  ]);
}

/**
 * Joins each subscription `s` to the plan and seats it had at `at` (`held`), from its plan history: the
 * latest change made by then, or, for a moment before its first recorded row (a row is dated when it is
 * written, which can lag the start the subscription reports), its first.
 */
function joinPlanHeldAt(query: Knex.QueryBuilder, at: Date): Knex.QueryBuilder {
  return query
    .joinRaw(
      `cross join lateral (
         select h.plan_id, h.quantity from subscription_plan_history h where h.subscription_id = s.id
         order by h.effective_from <= ? desc, case when h.effective_from <= ? then h.effective_from end desc, h.effective_from
         limit 1
       ) held`,
      [at, at],
    )
    .join('plans as p', 'p.id', 'held.planId');
}

/** Paid subscriptions live at `at` (started, not ended, not trialing), with their monthly value then. */
export async function recurringAt({
  at,
  currency,
}: {
  at: Date;
  currency: string;
}): Promise<{ mrr: number; payingAccounts: number }> {
  const rows: Array<{ accountId: string; priceAmount: number; quantity: number; billingInterval: string }> =
    await joinPlanHeldAt(everTheAccounts(Model.knex()('subscriptions as s')), at)
      .where('p.currency', currency)
      .where('p.priceAmount', '>', 0)
      .where('s.startedAt', '<=', at)
      .where((query) => query.whereNull('s.endedAt').orWhere('s.endedAt', '>', at))
      .where((query) => query.whereNull('s.trialEnd').orWhere('s.trialEnd', '<=', at))
      .whereNotIn('s.status', ['incomplete', 'paused'])
      .select('s.accountId', 'p.priceAmount', 'held.quantity', 'p.billingInterval');
  return {
    mrr: rows.reduce((sum, row) => sum + monthlyRecurringRevenue(row), 0),
    payingAccounts: new Set(
      rows.filter((row) => monthlyRecurringRevenue(row) > 0).map((row) => row.accountId),
    ).size,
  };
}

export async function cashBetween({ from, to, currency }: { from: Date; to: Date; currency: string }) {
  const [row] = await Model.knex()('payments')
    .where({ currency })
    .whereRaw('coalesce(completed_at, created_at) >= ?', [from])
    .whereRaw('coalesce(completed_at, created_at) < ?', [to])
    .select(
      Model.knex().raw(
        `coalesce(sum(amount) filter (where status in ('completed', 'refunded') and type <> 'refund'), 0)::bigint as collected`,
      ),
      Model.knex().raw(
        `coalesce(sum(amount) filter (where type = 'refund' and status = 'completed'), 0)::bigint as refunded`,
      ),
      Model.knex().raw(`count(*) filter (where status = 'failed')::bigint as failed_payments`),
      Model.knex().raw(`coalesce(sum(amount) filter (where status = 'failed'), 0)::bigint as failed_amount`),
    );
  return {
    collected: row.collected as number,
    refunded: row.refunded as number,
    failedPayments: row.failedPayments as number,
    failedAmount: row.failedAmount as number,
  };
}

async function churn({ from, to, currency }: { from: Date; to: Date; currency: string }): Promise<number> {
  const paid = () =>
    everTheAccounts(Model.knex()('subscriptions as s'))
      .join('plans as p', 'p.id', 's.planId')
      .where('p.currency', currency)
      .where('p.priceAmount', '>', 0)
      .whereNotNull('s.stripeSubscriptionId');
  const [{ count: atStart }] = await paid()
    .where('s.startedAt', '<', from)
    .where((query) => query.whereNull('s.endedAt').orWhere('s.endedAt', '>=', from))
    .count<[{ count: number }]>('* as count');
  const [{ count: ended }] = await paid()
    .where('s.endedAt', '>=', from)
    .where('s.endedAt', '<', to)
    .where('s.startedAt', '<', from)
    .count<[{ count: number }]>('* as count');
  return atStart === 0 ? 0 : Math.floor((ended * 10_000) / atStart);
}

async function trialConversion({
  from,
  to,
}: {
  from: Date;
  to: Date;
}): Promise<{ ended: number; converted: number; started: number }> {
  const rows: Array<{ status: string; paid: boolean }> = await everTheAccounts(
    Model.knex()('subscriptions as s'),
  )
    .whereNotNull('s.trialEnd')
    .where('s.trialEnd', '>=', from)
    .where('s.trialEnd', '<', to)
    .select(
      's.status',
      // Converted means paid: a charge for this subscription went through. A trial whose first charge
      // failed ended in dunning, not in a customer. (Card-less trials converted through Checkout end as
      // "replaced"; their paid successor carries the trial's end and its payment.)
      Model.knex().raw(
        `exists (select 1 from payments p where p.subscription_id = s.id and p.status in ('completed', 'refunded')
                 and p.type in ('subscription_payment', 'subscription_upgrade') and p.amount > 0) as paid`,
      ),
    );
  const ended = rows.filter((row) => row.status !== 'trialing');
  const [{ count: started }] = await everTheAccounts(Model.knex()('subscriptions as s'))
    .whereNotNull('s.trialStart')
    .where('s.trialStart', '>=', from)
    .where('s.trialStart', '<', to)
    .count<[{ count: number }]>('* as count');
  return { ended: ended.length, converted: ended.filter((row) => row.paid).length, started: Number(started) };
}

/** Charges (not refunds) in the currency tried in the range, and those that went through. */
async function paymentAttempts({ from, to, currency }: { from: Date; to: Date; currency: string }) {
  const [row] = await Model.knex()('payments')
    .where({ currency })
    .whereNot({ type: 'refund' })
    .whereRaw('coalesce(completed_at, created_at) >= ?', [from])
    .whereRaw('coalesce(completed_at, created_at) < ?', [to])
    .select(
      Model.knex().raw(
        `count(*) filter (where status in ('completed', 'refunded', 'failed'))::int as attempted`,
      ),
      Model.knex().raw(`count(*) filter (where status in ('completed', 'refunded'))::int as succeeded`),
    );
  return { attempted: row.attempted as number, succeeded: row.succeeded as number };
}

/** Stripe events received in the range, and those applied (or with nothing to apply) rather than failed. */
async function stripeEventOutcomes({ from, to }: { from: Date; to: Date }) {
  const [row] = await Model.knex()('stripeEvents')
    .where('receivedAt', '>=', from)
    .where('receivedAt', '<', to)
    .select(
      Model.knex().raw('count(*)::int as received'),
      Model.knex().raw(`count(*) filter (where status in ('processed', 'ignored'))::int as succeeded`),
    );
  return { received: row.received as number, succeeded: row.succeeded as number };
}

async function meanCreditBalance(): Promise<number> {
  const [row] = await Model.knex()('accounts as a')
    .whereNull('a.deletedAt')
    .leftJoin('creditBalances as b', 'b.accountId', 'a.id')
    .select(Model.knex().raw('coalesce(floor(avg(coalesce(b.balance, 0))), 0)::bigint as mean'));
  return row.mean as number;
}

const basisPoints = (part: number, whole: number) => (whole === 0 ? 0 : Math.floor((part * 10_000) / whole));

async function byTier({ at }: { at: Date }): Promise<Array<{ tier: string; count: number }>> {
  const rows: Array<{ tier: string; count: number }> = await joinPlanHeldAt(
    Model.knex()('subscriptions as s'),
    at,
  )
    .whereIn('s.status', ['trialing', 'active', 'past_due'])
    .where('s.startedAt', '<=', at)
    .groupBy('p.tier', 'p.tierRank')
    .orderBy('p.tierRank')
    .select('p.tier')
    .count('* as count');
  return rows;
}
