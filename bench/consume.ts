/**
 * Credit consumption with 64 concurrent clients, on one hot account and spread over 1,000 accounts:
 * - at the service: `consumeCredits` called by 64 concurrent callers in this process (authorization,
 *   validation and the batcher's group commit included), with the app's pool size;
 * - end to end: the GraphQL mutation over HTTP against the app process, in a closed loop and then in an
 *   open loop offering half the closed loop's maximum over 1,000 accounts for 10 s (what a partner feels
 *   at a steady rate: latencies from each request's scheduled moment); and `consumeCreditsBatch` over
 *   HTTP, 8 clients sending 100 consumptions over 1,000 accounts per request;
 * - the baseline, in the same run: the naive consumption, one transaction per consumption with a guarded
 *   `UPDATE ... WHERE balance >= x` and a ledger insert, from 64 connections.
 * All durable (synchronous commit). At the end the books are checked: for every account consumed from,
 * balance = ledger sum = grants' remainders = funded − consumed, never below zero.
 */
import pg from 'pg';
import type { Benchmark } from './run';
import { APP_POOL_MAX } from './support/environment';
import {
  AMOUNT,
  bareAccounts,
  checkBooks,
  CLIENTS,
  consumeViaGuardedUpdate,
  consumeViaService,
  FUNDING,
} from './support/consumption';
import { createAccounts, dataOf, fund, graphqlBody, partnerAuthorization } from './support/fixtures';
import { runLoad, runOpenLoad } from './support/load';
import { formatNumber, percentile, perSecond } from './support/stats';

const SPREAD_ACCOUNTS = 1000;
const SERVICE_REQUESTS = 30_000;
const HTTP_REQUESTS = 10_000;
const BASELINE_HOT_REQUESTS = 8_000;
const BASELINE_SPREAD_REQUESTS = 20_000;
const OPEN_LOOP_SECONDS = 10;
const BATCH_CLIENTS = 8;
const BATCH_SIZE = 100;
const BATCH_REQUESTS = 100;

const CONSUME = `mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { chargedMilliCredits balanceAfterMilliCredits } }`;
const CONSUME_BATCH = `mutation($input: ConsumeCreditsBatchInput!) { consumeCreditsBatch(input: $input) { succeeded failed } }`;

export const consumeBenchmark: Benchmark = async ({ graphqlUrl, knex, connectionString }, report) => {
  const [hot, ...spread] = await createAccounts({ count: 1 + SPREAD_ACCOUNTS, prefix: 'consume' });
  for (const account of [hot!, ...spread]) await fund({ accountId: account.id, milliCredits: FUNDING });
  const [baselineHot, ...baselineSpread] = await bareAccounts(knex, 1 + SPREAD_ACCOUNTS);
  const headers = await partnerAuthorization(['credits:write']);
  const hotAccount = () => hot!.id;
  const spreadAccount = (index: number) => spread[index % SPREAD_ACCOUNTS]!.id;

  const viaService = (label: string, accountOf: (index: number) => string, requests: number) =>
    consumeViaService({ connectionString, knex, label, accountOf, requests });
  const consumption = (label: string, accountOf: (index: number) => string) => ({
    url: graphqlUrl,
    headers,
    body: (index: number) =>
      graphqlBody(CONSUME, {
        input: {
          accountId: accountOf(index),
          idempotencyKey: `${label}-${index}`,
          amountMilliCredits: AMOUNT,
        },
      }),
    check: (response: { status: number; body: string }) => {
      if (dataOf(response).consumeCredits.chargedMilliCredits !== AMOUNT)
        throw new Error(`unexpected answer: ${response.body}`);
    },
  });
  const viaGraphQL = (label: string, accountOf: (index: number) => string, requests: number) =>
    runLoad({ ...consumption(label, accountOf), clients: CLIENTS, requests });
  const baselinePool = new pg.Pool({ connectionString, max: CLIENTS });
  const viaGuardedUpdate = (label: string, accountOf: (index: number) => string, requests: number) =>
    consumeViaGuardedUpdate({ pool: baselinePool, label, accountOf, requests });

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
  const httpOpenLoop = await runOpenLoad({
    ...consumption('http-open', spreadAccount),
    ratePerSecond: perSecond(http.spread.completed, http.spread.milliseconds) / 2,
    seconds: OPEN_LOOP_SECONDS,
  });
  const httpBatches = await runLoad({
    url: graphqlUrl,
    headers,
    clients: BATCH_CLIENTS,
    requests: BATCH_REQUESTS,
    body: (request) =>
      graphqlBody(CONSUME_BATCH, {
        input: {
          consumptions: Array.from({ length: BATCH_SIZE }, (_, item) => {
            const index = request * BATCH_SIZE + item;
            return {
              accountId: spreadAccount(index),
              idempotencyKey: `http-batch-${index}`,
              amountMilliCredits: AMOUNT,
            };
          }),
        },
      }),
    check: (response) => {
      const { succeeded, failed } = dataOf(response).consumeCreditsBatch;
      if (succeeded !== BATCH_SIZE || failed !== 0) throw new Error(`unexpected answer: ${response.body}`);
    },
  });
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
    `  GraphQL over HTTP, ${SPREAD_ACCOUNTS} accounts, open loop at half that maximum for ${OPEN_LOOP_SECONDS} s: ${formatNumber(rate(httpOpenLoop))}/s (${latency(httpOpenLoop)})`,
  );
  report(
    `  consumeCreditsBatch over HTTP, ${BATCH_CLIENTS} clients, ${BATCH_SIZE} consumptions over ${SPREAD_ACCOUNTS} accounts per request: ${formatNumber(rate(httpBatches) * BATCH_SIZE)} consumptions/s (${latency(httpBatches)} per request)`,
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
      SPREAD_ACCOUNTS * (consumedPerAccount(SERVICE_REQUESTS) + consumedPerAccount(HTTP_REQUESTS)) +
        httpOpenLoop.completed +
        httpBatches.completed * BATCH_SIZE,
    )}`,
  );
  report(`  target: hot account >= 5,000/s, exact`);
  return {
    ratioLabel: 'service hot-account consumptions / guarded UPDATE per transaction (per second)',
    ratio: rate(service.hot) / rate(baseline.hot),
  };
};
