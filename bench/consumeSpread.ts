/**
 * Credit consumption spread over 1,000 accounts, 64 concurrent clients, where consumptions of different
 * accounts share one transaction (group commit, docs/decisions/050-group-commit-across-accounts.md):
 * - at the service: `consumeCredits` called by 64 concurrent callers in this process (authorization,
 *   validation and the batcher included), with the app's pool size;
 * - the baseline, in the same run: the naive consumption, one transaction per consumption with a guarded
 *   `UPDATE ... WHERE balance >= x` and a ledger insert, from 64 connections.
 * The two alternate, round after round, so that both see the same load from the rest of the machine;
 * the ratio is over all rounds. All durable (synchronous commit). At the end the books are checked: for
 * every account consumed from, balance = ledger sum = grants' remainders = funded − consumed, never
 * below zero.
 */
import pg from 'pg';
import { consumptionBatchSize } from '../server/observability/metrics';
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
import { createAccounts, fund } from './support/fixtures';
import { formatNumber, perSecond } from './support/stats';

const ACCOUNTS = 1000;
const ROUNDS = 3;
const REQUESTS_PER_ROUND = 10_000;
const WARM_UP_REQUESTS = 2000;

interface Run {
  completed: number;
  milliseconds: number;
}

export const consumeSpreadBenchmark: Benchmark = async ({ knex, connectionString }, report) => {
  const accounts = (await createAccounts({ count: ACCOUNTS, prefix: 'spread' })).map((account) => account.id);
  for (const accountId of accounts) await fund({ accountId, milliCredits: FUNDING });
  const baselineAccounts = await bareAccounts(knex, ACCOUNTS);
  // Consecutive callers consume for different accounts, as a partner's workers serving many customers do.
  const spread = (ids: string[]) => (index: number) => ids[index % ACCOUNTS]!;
  const baselinePool = new pg.Pool({ connectionString, max: CLIENTS });
  const viaService = (label: string, requests: number) =>
    consumeViaService({ connectionString, knex, label, accountOf: spread(accounts), requests });
  const viaGuardedUpdate = (label: string, requests: number) =>
    consumeViaGuardedUpdate({ pool: baselinePool, label, accountOf: spread(baselineAccounts), requests });

  report(
    `consume-spread: ${CLIENTS} concurrent clients over ${formatNumber(ACCOUNTS)} accounts, ${formatNumber(AMOUNT)} milli-credits each, synchronous commit, app pool of ${APP_POOL_MAX}`,
  );
  const service: Run[] = [];
  const baseline: Run[] = [];
  try {
    await viaService('warm-up', WARM_UP_REQUESTS);
    await viaGuardedUpdate('warm-up', WARM_UP_REQUESTS);
    const groupsBefore = await groupCommits();
    for (let round = 1; round <= ROUNDS; round += 1) {
      service.push(await viaService(`round-${round}`, REQUESTS_PER_ROUND));
      baseline.push(await viaGuardedUpdate(`round-${round}`, REQUESTS_PER_ROUND));
      const [serviceRate, baselineRate] = [rate([service.at(-1)!]), rate([baseline.at(-1)!])];
      report(
        `  round ${round}: service ${formatNumber(serviceRate)}/s, baseline ${formatNumber(baselineRate)}/s, ratio ${(serviceRate / baselineRate).toFixed(2)}`,
      );
    }
    const groups = await groupCommits();
    const perCommit =
      (groups.consumptions - groupsBefore.consumptions) / (groups.commits - groupsBefore.commits);
    report(
      `  service consumeCredits, ${formatNumber(ACCOUNTS)} accounts:   ${formatNumber(rate(service))}/s (${perCommit.toFixed(1)} consumptions per commit on average)`,
    );
    report(`  baseline, guarded UPDATE + ledger insert per transaction:  ${formatNumber(rate(baseline))}/s`);
  } finally {
    await baselinePool.end();
  }
  report(
    `  books, ${formatNumber(ACCOUNTS)} accounts: ${await checkBooks(
      knex,
      accounts,
      ACCOUNTS * FUNDING,
      WARM_UP_REQUESTS + ROUNDS * REQUESTS_PER_ROUND,
    )}`,
  );
  report(`  target: service >= 2x the baseline, exact`);
  return {
    ratioLabel: `service consumptions over ${formatNumber(ACCOUNTS)} accounts / guarded UPDATE per transaction (per second)`,
    ratio: rate(service) / rate(baseline),
  };
};

function rate(runs: Run[]): number {
  return perSecond(
    runs.reduce((sum, run) => sum + run.completed, 0),
    runs.reduce((sum, run) => sum + run.milliseconds, 0),
  );
}

/** How many group transactions committed so far in this process, and how many consumptions they held. */
async function groupCommits(): Promise<{ commits: number; consumptions: number }> {
  const { values } = await consumptionBatchSize.get();
  const value = (name: string) => values.find((sample) => sample.metricName === name)?.value ?? 0;
  return {
    commits: value('billing_consumption_batch_size_count'),
    consumptions: value('billing_consumption_batch_size_sum'),
  };
}
