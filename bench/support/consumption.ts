import type pg from 'pg';
import type { Knex } from 'knex';
import type { ApiKeyActor } from '../../server/auth/actor';
import { consumeCredits } from '../../server/credits/consumption';
import { bindModels, createDatabase } from '../../server/db/knex';
import { APP_POOL_MAX } from './environment';
import { runConcurrently } from './load';
import { formatNumber } from './stats';

/** What the consumption benchmarks share: their load, their naive baseline and the check of the books. */
export const CLIENTS = 64;
export const AMOUNT = 1000;
export const FUNDING = 1_000_000_000;

const partner: ApiKeyActor = {
  kind: 'apiKey',
  apiKeyId: 'benchmark',
  scopes: new Set(['credits:write']),
  accountId: null,
};

/**
 * `consumeCredits` called by CLIENTS concurrent callers in this process (authorization, validation and
 * the batcher included), with the app's pool size; `label-<index>` keys.
 */
export async function consumeViaService({
  connectionString,
  knex,
  label,
  accountOf,
  requests,
}: {
  connectionString: string;
  knex: Knex;
  label: string;
  accountOf: (index: number) => string;
  requests: number;
}) {
  const pool = createDatabase({ connectionString, poolMax: APP_POOL_MAX });
  bindModels(pool);
  try {
    return await runConcurrently({
      concurrency: CLIENTS,
      total: requests,
      work: async (index) => {
        const result = await consumeCredits({
          actor: partner,
          accountId: accountOf(index),
          idempotencyKey: `${label}-${index}`,
          amount: AMOUNT,
        });
        if (result.amount !== AMOUNT) throw new Error(`unexpected result ${JSON.stringify(result)}`);
      },
    });
  } finally {
    bindModels(knex);
    await pool.destroy();
  }
}

/** The naive baseline from CLIENTS connections of `pool`: one transaction per consumption. */
export function consumeViaGuardedUpdate({
  pool,
  label,
  accountOf,
  requests,
}: {
  pool: pg.Pool;
  label: string;
  accountOf: (index: number) => string;
  requests: number;
}) {
  return runConcurrently({
    concurrency: CLIENTS,
    total: requests,
    work: (index) => guardedConsumption(pool, accountOf(index), `${label}-${index}`),
  });
}

/** The naive consumption: one transaction holding the balance row lock through its commit. */
async function guardedConsumption(pool: pg.Pool, accountId: string, idempotencyKey: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ balance: string }>(
      'update credit_balances set balance = balance - $2 where account_id = $1 and balance >= $2 returning balance',
      [accountId, AMOUNT],
    );
    if (rows.length === 0) throw new Error('baseline ran out of credits');
    await client.query(
      `insert into credit_ledger_entries (account_id, entry_type, amount, balance_after, idempotency_key) values ($1, 'consumption', $2, $3, $4)`,
      [accountId, -AMOUNT, rows[0]!.balance, idempotencyKey],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/** Accounts for the baseline: just the rows its SQL touches, with a large balance. */
export async function bareAccounts(knex: Knex, count: number): Promise<string[]> {
  const { rows } = await knex.raw<{ rows: Array<{ id: string }> }>(
    `with created as (insert into accounts (name) select 'baseline ' || n from generate_series(1, ?::int) n returning id)
     insert into credit_balances (account_id, balance) select id, ? from created returning account_id as id`,
    [count, FUNDING],
  );
  return rows.map((row) => row.id);
}

/** Balance, ledger and grants must agree with each other and with what was consumed. */
export async function checkBooks(
  knex: Knex,
  accountIds: string[],
  funded: number,
  consumptions: number,
): Promise<string> {
  const { rows } = await knex.raw<{
    rows: Array<{ balance: number; ledger: number; remaining: number; entries: number; lowest: number }>;
  }>(
    `select (select sum(balance) from credit_balances where account_id = any(:ids))::bigint as balance,
            (select sum(amount) from credit_ledger_entries where account_id = any(:ids))::bigint as ledger,
            (select sum(remaining) from credit_grants where account_id = any(:ids))::bigint as remaining,
            (select count(*) from credit_ledger_entries where account_id = any(:ids) and entry_type = 'consumption')::bigint as entries,
            (select min(balance_after) from credit_ledger_entries where account_id = any(:ids))::bigint as lowest`,
    { ids: accountIds },
  );
  const books = rows[0]!;
  const expected = funded - consumptions * AMOUNT;
  const exact =
    books.balance === expected &&
    books.ledger === expected &&
    books.remaining === expected &&
    books.entries === consumptions &&
    books.lowest >= 0;
  if (!exact)
    throw new Error(`the books do not balance: ${JSON.stringify({ ...books, expected, consumptions })}`);
  return `exact: balance ${formatNumber(books.balance)} = ledger sum = grants' remainders = funded − ${formatNumber(consumptions)} consumptions; never below 0`;
}
