/**
 * Credit consumption with 64 concurrent clients, on one hot account and spread over 1,000 accounts:
 * - at the service: `consumeCredits` called by 64 concurrent callers in this process (authorization,
 *   validation and the per-account batcher included), with the app's pool size;
 * - end to end: the GraphQL mutation over HTTP against the app process;
 * - the baseline, in the same run: the naive consumption, one transaction per consumption with a guarded
 *   `UPDATE ... WHERE balance >= x` and a ledger insert, from 64 connections.
 * All durable (synchronous commit). At the end the books are checked: for every account consumed from,
 * balance = ledger sum = grants' remainders = funded − consumed, never below zero.
 */
import pg from 'pg';
import type { Knex } from 'knex';
import type { ApiKeyActor } from '../server/auth/actor';
import { consumeCredits } from '../server/credits/consumption';
import { bindModels, createDatabase } from '../server/db/knex';
import type { Benchmark } from './run';
import { APP_POOL_MAX } from './support/environment';
import { createAccounts, dataOf, fund, graphqlBody, partnerAuthorization } from './support/fixtures';
import { runConcurrently, runLoad } from './support/load';
import { formatNumber, percentile, perSecond } from './support/stats';

const CLIENTS = 64;
const SPREAD_ACCOUNTS = 1000;
const SERVICE_REQUESTS = 30_000;
const HTTP_REQUESTS = 10_000;
const BASELINE_HOT_REQUESTS = 8_000;
const BASELINE_SPREAD_REQUESTS = 20_000;
const AMOUNT = 1000;
const FUNDING = 1_000_000_000;

const CONSUME = `mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { chargedMilliCredits balanceAfterMilliCredits } }`;
const partner: ApiKeyActor = {
  kind: 'apiKey',
  apiKeyId: 'benchmark',
  scopes: new Set(['credits:write']),
  accountId: null,
};

export const consumeBenchmark: Benchmark = async ({ graphqlUrl, knex, connectionString }, report) => {
  const [hot, ...spread] = await createAccounts({ count: 1 + SPREAD_ACCOUNTS, prefix: 'consume' });
  for (const account of [hot!, ...spread]) await fund({ accountId: account.id, milliCredits: FUNDING });
  const [baselineHot, ...baselineSpread] = await bareAccounts(knex, 1 + SPREAD_ACCOUNTS);
  const headers = await partnerAuthorization(['credits:write']);
  const hotAccount = () => hot!.id;
  const spreadAccount = (index: number) => spread[index % SPREAD_ACCOUNTS]!.id;

  const viaService = async (label: string, accountOf: (index: number) => string, requests: number) => {
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
  };
  const viaGraphQL = (label: string, accountOf: (index: number) => string, requests: number) =>
    runLoad({
      url: graphqlUrl,
      clients: CLIENTS,
      requests,
      headers,
      body: (index) =>
        graphqlBody(CONSUME, {
          input: {
            accountId: accountOf(index),
            idempotencyKey: `${label}-${index}`,
            amountMilliCredits: AMOUNT,
          },
        }),
      check: (response) => {
        if (dataOf(response).consumeCredits.chargedMilliCredits !== AMOUNT)
          throw new Error(`unexpected answer: ${response.body}`);
      },
    });
  const baselinePool = new pg.Pool({ connectionString, max: CLIENTS });
  const viaGuardedUpdate = (label: string, accountOf: (index: number) => string, requests: number) =>
    runConcurrently({
      concurrency: CLIENTS,
      total: requests,
      work: (index) => guardedConsumption(baselinePool, accountOf(index), `${label}-${index}`),
    });

  await viaService('warm-up-service', hotAccount, 2000);
  await viaGraphQL('warm-up-http', hotAccount, 2000);
  const service = {
    hot: await viaService('service-hot', hotAccount, SERVICE_REQUESTS),
    spread: await viaService('service-spread', spreadAccount, SERVICE_REQUESTS),
  };
  const http = {
    hot: await viaGraphQL('http-hot', hotAccount, HTTP_REQUESTS),
    spread: await viaGraphQL('http-spread', spreadAccount, HTTP_REQUESTS),
  };
  const baseline = {
    hot: await viaGuardedUpdate('hot', () => baselineHot!, BASELINE_HOT_REQUESTS),
    spread: await viaGuardedUpdate(
      'spread',
      (index) => baselineSpread[index % SPREAD_ACCOUNTS]!,
      BASELINE_SPREAD_REQUESTS,
    ),
  };
  await baselinePool.end();

  const rate = (result: { completed: number; milliseconds: number }) =>
    perSecond(result.completed, result.milliseconds);
  const latency = (result: { latencies: number[] }) =>
    `p50 ${percentile(result.latencies, 50).toFixed(1)} ms, p99 ${percentile(result.latencies, 99).toFixed(1)} ms`;
  const consumedPerAccount = (requests: number) => requests / SPREAD_ACCOUNTS;
  report(
    `consume: ${CLIENTS} concurrent clients, ${formatNumber(AMOUNT)} milli-credits each, synchronous commit, app pool of ${APP_POOL_MAX}`,
  );
  report(`  service consumeCredits, one hot account:        ${formatNumber(rate(service.hot))}/s`);
  report(
    `  service consumeCredits, ${SPREAD_ACCOUNTS} accounts:         ${formatNumber(rate(service.spread))}/s`,
  );
  report(
    `  GraphQL over HTTP, one hot account:             ${formatNumber(rate(http.hot))}/s (${latency(http.hot)})`,
  );
  report(
    `  GraphQL over HTTP, ${SPREAD_ACCOUNTS} accounts:              ${formatNumber(rate(http.spread))}/s (${latency(http.spread)})`,
  );
  report(
    `  baseline, guarded UPDATE + ledger insert per transaction, hot account: ${formatNumber(rate(baseline.hot))}/s`,
  );
  report(
    `  baseline, guarded UPDATE + ledger insert per transaction, ${SPREAD_ACCOUNTS} accounts: ${formatNumber(rate(baseline.spread))}/s`,
  );
  report(`  GraphQL hot account / baseline hot account: ${(rate(http.hot) / rate(baseline.hot)).toFixed(2)}`);
  report(
    `  books, hot account:   ${await checkBooks(knex, [hot!.id], FUNDING, 2000 + 2000 + SERVICE_REQUESTS + HTTP_REQUESTS)}`,
  );
  report(
    `  books, ${SPREAD_ACCOUNTS} accounts: ${await checkBooks(
      knex,
      spread.map((account) => account.id),
      SPREAD_ACCOUNTS * FUNDING,
      SPREAD_ACCOUNTS * (consumedPerAccount(SERVICE_REQUESTS) + consumedPerAccount(HTTP_REQUESTS)),
    )}`,
  );
  report(`  target: hot account >= 5,000/s, exact`);
  return {
    ratioLabel: 'service hot-account consumptions / guarded UPDATE per transaction (per second)',
    ratio: rate(service.hot) / rate(baseline.hot),
  };
};

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
async function bareAccounts(knex: Knex, count: number): Promise<string[]> {
  const { rows } = await knex.raw<{ rows: Array<{ id: string }> }>(
    `with created as (insert into accounts (name) select 'baseline ' || n from generate_series(1, ?::int) n returning id)
     insert into credit_balances (account_id, balance) select id, ? from created returning account_id as id`,
    [count, FUNDING],
  );
  return rows.map((row) => row.id);
}

/** Balance, ledger and grants must agree with each other and with what was consumed. */
async function checkBooks(
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
