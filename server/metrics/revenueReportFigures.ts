import { Model } from 'objection';
import { cashBetween, everTheAccounts, recurringAt } from './revenueMetrics';
import type { RevenueReportFigures } from './RevenueReport';

/**
 * One month's figures for every currency that had money or paid subscriptions in it, from the same
 * definitions as the revenue metrics (server/metrics/revenueMetrics.ts): cash dated when Stripe moved
 * it, subscriptions that were never the account's left out. A currency with nothing to show is left out.
 */
export async function computeRevenueFigures({
  from,
  to,
}: {
  from: Date;
  to: Date;
}): Promise<Record<string, RevenueReportFigures>> {
  const figures: Record<string, RevenueReportFigures> = {};
  for (const currency of await currenciesOf({ from, to })) {
    const [cash, recurring, subscriptions, creditsSold] = await Promise.all([
      cashBetween({ from, to, currency }),
      // The month's last instant: a subscription ending exactly at `to` was still live then.
      recurringAt({ at: new Date(to.getTime() - 1), currency }),
      subscriptionMoves({ from, to, currency }),
      milliCreditsSold({ from, to, currency }),
    ]);
    const row: RevenueReportFigures = {
      currency,
      grossCollected: cash.collected,
      refunded: cash.refunded,
      net: cash.collected - cash.refunded,
      newSubscriptions: subscriptions.started,
      cancellations: subscriptions.ended,
      mrrAtMonthEnd: recurring.mrr,
      creditsSold,
      failedPayments: cash.failedPayments,
      failedAmount: cash.failedAmount,
    };
    const { currency: _currency, ...numbers } = row;
    if (Object.values(numbers).some((value) => value !== 0)) figures[currency] = row;
  }
  return figures;
}

async function currenciesOf({ from, to }: { from: Date; to: Date }): Promise<string[]> {
  const knex = Model.knex();
  const rows: Array<{ currency: string }> = await knex
    .select('currency')
    .from('payments')
    .whereRaw('coalesce(completed_at, created_at) >= ?', [from])
    .whereRaw('coalesce(completed_at, created_at) < ?', [to])
    .union((plans) =>
      plans
        .select('p.currency')
        .from('subscriptions as s')
        .join('plans as p', 'p.id', 's.planId')
        .where('p.priceAmount', '>', 0)
        .where('s.startedAt', '<', to)
        .where((live) => live.whereNull('s.endedAt').orWhere('s.endedAt', '>=', from)),
    );
  return rows.map((row) => row.currency).sort();
}

/** Paid Stripe subscriptions (as churn counts them) that started, and that ended, in the month. */
async function subscriptionMoves({ from, to, currency }: { from: Date; to: Date; currency: string }) {
  const paid = () =>
    everTheAccounts(Model.knex()('subscriptions as s'))
      .join('plans as p', 'p.id', 's.planId')
      .where('p.currency', currency)
      .where('p.priceAmount', '>', 0)
      .whereNotNull('s.stripeSubscriptionId')
      .whereNot('s.status', 'incomplete');
  const count = async (column: string) => {
    const [row] = await paid()
      .where(column, '>=', from)
      .where(column, '<', to)
      .count<[{ count: string | number }]>('* as count');
    return Number(row.count);
  };
  return { started: await count('s.startedAt'), ended: await count('s.endedAt') };
}

async function milliCreditsSold({ from, to, currency }: { from: Date; to: Date; currency: string }) {
  const [row] = await Model.knex()('payments')
    .where({ currency, type: 'credit_top_up' })
    .whereIn('status', ['completed', 'refunded'])
    .whereRaw('coalesce(completed_at, created_at) >= ?', [from])
    .whereRaw('coalesce(completed_at, created_at) < ?', [to])
    .select(Model.knex().raw('coalesce(sum(credits), 0)::bigint as sold'));
  return row.sold as number;
}
