/**
 * The usage dashboard: p95 latency of an account's usage for its current period (`usageSummary`, every
 * active meter against the plan's allowance) with 1 million and with 10 million of its events stored,
 * against a trivial query (`account { id }`) over the same HTTP path, in the same run. Events are made
 * with set-based SQL (generate_series) and their rollups built in SQL the way ingest builds them.
 */
import type { Knex } from 'knex';
import type { Benchmark } from './run';
import { createAccounts, dataOf, graphqlBody, partnerAuthorization } from './support/fixtures';
import { runLoad, type LoadResult } from './support/load';
import { formatMilliseconds, formatNumber, percentile, timed } from './support/stats';

const SIZES = [1_000_000, 10_000_000];
const REQUESTS = 500;
const WARM_UP = 50;
const DAY = 24 * 60 * 60 * 1000;
/** Events fall in the last 34 days; the current period started 20 days ago. */
const EVENT_SPAN_DAYS = 34;
const METERS = ['api_calls', 'executions', 'storage_gb', 'active_users', 'agent_action.small'];
const DISTINCT_USERS = 2000;

const DASHBOARD = `query($id: ID) { account(id: $id) { usageSummary { meter { key } quantity included remaining } } }`;
const TRIVIAL = `query($id: ID) { account(id: $id) { id } }`;

export const dashboardBenchmark: Benchmark = async ({ graphqlUrl, knex }, report) => {
  const [account] = await createAccounts({ count: 1, prefix: 'dashboard' });
  const accountId = account!.id;
  const now = Date.now();
  await knex('subscriptions')
    .where({ accountId })
    .update({ currentPeriodStart: new Date(now - 20 * DAY), currentPeriodEnd: new Date(now + 10 * DAY) });
  const headers = await partnerAuthorization(['accounts:read', 'usage:read']);
  const measure = async (query: string) => {
    const run = (requests: number) =>
      runLoad({
        url: graphqlUrl,
        clients: 1,
        requests,
        headers,
        body: () => graphqlBody(query, { id: accountId }),
        check: (response) => void dataOf(response),
      });
    await run(WARM_UP);
    return run(REQUESTS);
  };
  const summary = (result: LoadResult) =>
    `p50 ${formatMilliseconds(percentile(result.latencies, 50))}, p95 ${formatMilliseconds(percentile(result.latencies, 95))}, p99 ${formatMilliseconds(percentile(result.latencies, 99))}`;

  report(
    `dashboard: usage for the current period, ${METERS.length} metered kinds of events (sum, count, max, unique count of ${DISTINCT_USERS} users), 1 client, ${REQUESTS} requests`,
  );
  let stored = 0;
  let lastP95 = 0;
  let trivialP95 = 0;
  for (const size of SIZES) {
    const setup = await timed(async () => {
      await generateEvents(knex, { accountId, from: stored, to: size, now });
      await rebuildRollups(knex, accountId);
    });
    stored = size;
    await checkAgainstRawEvents(knex, { accountId, graphqlUrl, headers, now });
    const dashboard = await measure(DASHBOARD);
    const trivial = await measure(TRIVIAL);
    lastP95 = percentile(dashboard.latencies, 95);
    trivialP95 = percentile(trivial.latencies, 95);
    report(
      `  ${formatNumber(size)} events (setup ${(setup.milliseconds / 1000).toFixed(1)} s): usageSummary ${summary(dashboard)}; trivial query ${summary(trivial)}`,
    );
  }
  report(`  target: p95 under 50 ms at both sizes`);
  return {
    ratioLabel: `usageSummary p95 with ${formatNumber(stored)} events / trivial query p95`,
    ratio: lastP95 / trivialP95,
  };
};

/**
 * Events number `from` + 1 to `to`, spread evenly over the last 34 days and over the meters. They
 * reference rows that exist; the per-row foreign-key triggers are skipped to keep setup short.
 */
async function generateEvents(
  knex: Knex,
  { accountId, from, to, now }: { accountId: string; from: number; to: number; now: number },
): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw(`set local session_replication_role = replica`);
    await trx.raw(
      `insert into usage_events (account_id, meter_id, quantity, occurred_at, idempotency_key, properties)
       select :accountId, m.id, 1 + i % 10, :end::timestamptz - (i % :spanSlots) * (:spanMs::bigint / :spanSlots) * interval '1 millisecond',
              'bench-' || i, case when m.aggregation = 'unique_count' then jsonb_build_object('user_id', 'user-' || i % :users) else '{}' end
       from generate_series(:from::bigint + 1, :to::bigint) i
       join (select id, aggregation, row_number() over (order by key) - 1 as slot from meters where key = any(:meters)) m on m.slot = i % :meterCount`,
      {
        accountId,
        end: new Date(now).toISOString(),
        spanSlots: 1_000_003,
        spanMs: EVENT_SPAN_DAYS * DAY,
        users: DISTINCT_USERS,
        from,
        to,
        meters: METERS,
        meterCount: METERS.length,
      },
    );
  });
}

/** The account's rollups, rebuilt from its raw events with the aggregates ingest maintains. */
async function rebuildRollups(knex: Knex, accountId: string): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw(`set local work_mem = '256MB'`);
    await trx.raw(`delete from usage_rollup_distinct_values where account_id = ?`, [accountId]);
    await trx.raw(`delete from usage_rollups where account_id = ?`, [accountId]);
    for (const granularity of ['hour', 'day']) {
      await trx.raw(
        `insert into usage_rollups (account_id, meter_id, granularity, bucket_start, event_count, sum_quantity, max_quantity, latest_quantity, latest_occurred_at)
         select account_id, meter_id, :granularity, date_trunc(:granularity, occurred_at, 'UTC'), count(*), sum(quantity), max(quantity),
                (array_agg(quantity order by occurred_at desc, quantity desc))[1], max(occurred_at)
         from usage_events where account_id = :accountId group by 1, 2, 3, 4`,
        { accountId, granularity },
      );
      await trx.raw(
        `insert into usage_rollup_distinct_values (account_id, meter_id, granularity, bucket_start, value)
         select distinct e.account_id, e.meter_id, :granularity, date_trunc(:granularity, e.occurred_at, 'UTC'), e.properties ->> m.field_name
         from usage_events e join meters m on m.id = e.meter_id and m.aggregation = 'unique_count'
         where e.account_id = :accountId and e.properties ->> m.field_name is not null`,
        { accountId, granularity },
      );
    }
    await trx.raw(
      `update usage_rollups r set distinct_count = d.values
       from (select meter_id, granularity, bucket_start, count(*) as values from usage_rollup_distinct_values where account_id = :accountId group by 1, 2, 3) d
       where r.account_id = :accountId and r.meter_id = d.meter_id and r.granularity = d.granularity and r.bucket_start = d.bucket_start`,
      { accountId },
    );
  });
  // What autovacuum would have done after millions of inserts (visibility map, statistics).
  await knex.raw(`vacuum analyze usage_events, usage_rollups, usage_rollup_distinct_values`);
}

/** The dashboard must say what the raw events say, or its speed means nothing. */
async function checkAgainstRawEvents(
  knex: Knex,
  {
    accountId,
    graphqlUrl,
    headers,
    now,
  }: { accountId: string; graphqlUrl: string; headers: Record<string, string>; now: number },
): Promise<void> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: graphqlBody(DASHBOARD, { id: accountId }),
  });
  const shown = new Map<string, number>(
    dataOf({ status: response.status, body: await response.text() }).account.usageSummary.map(
      (usage: { meter: { key: string }; quantity: number }) => [usage.meter.key, usage.quantity],
    ),
  );
  const hour = 60 * 60 * 1000;
  const from = new Date(Math.floor((now - 20 * DAY) / hour) * hour);
  const to = new Date(Math.floor((now + 10 * DAY) / hour) * hour);
  const { rows } = await knex.raw<{ rows: Array<{ key: string; quantity: number }> }>(
    `select m.key, case m.aggregation when 'sum' then sum(e.quantity) when 'count' then count(*) when 'max' then max(e.quantity)
                                      when 'unique_count' then count(distinct e.properties ->> m.field_name) end::bigint as quantity
     from usage_events e join meters m on m.id = e.meter_id
     where e.account_id = ? and e.occurred_at >= ? and e.occurred_at < ? group by m.key, m.aggregation`,
    [accountId, from, to],
  );
  for (const row of rows) {
    if (shown.get(row.key) !== row.quantity)
      throw new Error(
        `usageSummary shows ${shown.get(row.key)} for ${row.key}; the raw events say ${row.quantity}`,
      );
  }
}
