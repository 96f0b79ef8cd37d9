import { Model } from 'objection';

export interface Difference {
  check: string;
  accountId: string | null;
  subject: string;
  expected: string | number;
  actual: string | number;
}

/** Every cached balance equals the sum of its ledger entries and the balance after the newest one. */
export async function balancesMatchLedgers(): Promise<Difference[]> {
  const { rows } = await Model.knex().raw<{
    rows: Array<{
      account_id: string;
      balance: number;
      ledger_sum: number;
      last_balance_after: number | null;
    }>;
  }>(`
    select b.account_id, b.balance,
           coalesce((select sum(e.amount) from credit_ledger_entries e where e.account_id = b.account_id), 0)::bigint as ledger_sum,
           (select e.balance_after from credit_ledger_entries e where e.account_id = b.account_id order by e.id desc limit 1) as last_balance_after
    from credit_balances b`);
  return rows.flatMap((row) => [
    ...(row.balance !== row.ledger_sum
      ? [
          {
            check: 'balance equals the sum of the ledger',
            accountId: row.account_id,
            subject: 'credit balance',
            expected: row.ledger_sum,
            actual: row.balance,
          },
        ]
      : []),
    ...(row.last_balance_after !== null && row.last_balance_after !== row.balance
      ? [
          {
            check: 'balance equals the newest entry’s balance after',
            accountId: row.account_id,
            subject: 'credit balance',
            expected: row.last_balance_after,
            actual: row.balance,
          },
        ]
      : []),
  ]);
}

/** Every grant's remainder equals its amount less what entries drew from it. */
export async function grantsMatchAllocations(): Promise<Difference[]> {
  const { rows } = await Model.knex().raw<{
    rows: Array<{ id: string; account_id: string; remaining: number; expected: number }>;
  }>(`
    select g.id, g.account_id, g.remaining, (g.amount + coalesce(sum(a.amount), 0))::bigint as expected
    from credit_grants g left join credit_allocations a on a.grant_id = g.id
    group by g.id
    having g.remaining <> g.amount + coalesce(sum(a.amount), 0)`);
  return rows.map((row) => ({
    check: 'grant remainder equals its allocations',
    accountId: row.account_id,
    subject: `grant ${row.id}`,
    expected: row.expected,
    actual: row.remaining,
  }));
}

/** Every paid credit purchase has granted its credits, exactly once. */
export async function paidPurchasesHaveGrants(): Promise<Difference[]> {
  const { rows } = await Model.knex().raw<{
    rows: Array<{ id: string; account_id: string; credits: number; granted: number }>;
  }>(`
    select p.id, p.account_id, p.credits, coalesce((select sum(g.amount) from credit_grants g where g.payment_id = p.id), 0)::bigint as granted
    from payments p
    where p.type = 'credit_top_up' and p.status in ('completed', 'refunded')
      and coalesce((select sum(g.amount) from credit_grants g where g.payment_id = p.id), 0) <> p.credits`);
  return rows.map((row) => ({
    check: 'paid purchase granted its credits',
    accountId: row.account_id,
    subject: `payment ${row.id}`,
    expected: row.credits,
    actual: row.granted,
  }));
}
