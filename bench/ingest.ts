/**
 * Usage ingestion: events per second through the GraphQL batch mutation (events stored and folded into
 * the hourly and daily rollups, in one statement per batch), against raw batched
 * `INSERT ... ON CONFLICT DO NOTHING` of the same rows into the same table, in the same run. The two
 * alternate in rounds so that neither always meets the bigger table.
 */
import type { Knex } from 'knex';
import type { Benchmark } from './run';
import { createAccounts, dataOf, graphqlBody, partnerAuthorization } from './support/fixtures';
import { runConcurrently, runLoad } from './support/load';
import { formatNumber, percentile, perSecond } from './support/stats';

const CLIENTS = 4;
const BATCH_SIZE = 500;
const BATCHES_PER_ROUND = 40;
const ROUNDS = 3;
const ACCOUNTS = 200;
const METERS = ['api_calls', 'executions', 'active_users', 'storage_gb', 'agent_action.small'];

const RECORD = `mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted duplicates rejected } }`;

interface BenchEvent {
  accountId: string;
  meterKey: string;
  quantity: number;
  occurredAt: string;
  idempotencyKey: string;
  userId: string;
}

export const ingestBenchmark: Benchmark = async ({ graphqlUrl, knex }, report) => {
  const accounts = await createAccounts({ count: ACCOUNTS, prefix: 'ingest' });
  const meterIds = new Map(
    (await knex('meters').select('id', 'key')).map((meter: { id: string; key: string }) => [
      meter.key,
      meter.id,
    ]),
  );
  const headers = await partnerAuthorization(['usage:write']);
  const now = Date.now();
  const batchOf = (label: string, batch: number): BenchEvent[] =>
    Array.from({ length: BATCH_SIZE }, (_, offset) => {
      const index = batch * BATCH_SIZE + offset;
      const meterKey = METERS[index % METERS.length]!;
      return {
        accountId: accounts[index % ACCOUNTS]!.id,
        meterKey,
        // A count meter counts events: each of its events has quantity 1.
        quantity: meterKey === 'executions' ? 1 : 1 + (index % 7),
        occurredAt: new Date(now - (index % 86_400) * 1000).toISOString(),
        idempotencyKey: `${label}-${index}`,
        userId: `user-${index % 1000}`,
      };
    });

  const viaGraphQL = async (round: number) => {
    const bodies = Array.from({ length: BATCHES_PER_ROUND }, (_, batch) =>
      graphqlBody(RECORD, {
        input: {
          events: batchOf(`graphql-${round}`, batch).map(({ userId, ...event }) => ({
            ...event,
            properties: { user_id: userId },
          })),
        },
      }),
    );
    return runLoad({
      url: graphqlUrl,
      clients: CLIENTS,
      requests: BATCHES_PER_ROUND,
      headers,
      body: (index) => bodies[index]!,
      check: (response) => {
        const { recordUsage } = dataOf(response);
        if (recordUsage.accepted !== BATCH_SIZE)
          throw new Error(`batch not fully accepted: ${JSON.stringify(recordUsage)}`);
      },
    });
  };
  const viaRawInsert = async (round: number) => {
    const batches = Array.from({ length: BATCHES_PER_ROUND }, (_, batch) => batchOf(`raw-${round}`, batch));
    return runConcurrently({
      concurrency: CLIENTS,
      total: BATCHES_PER_ROUND,
      work: (index) => rawInsert(knex, meterIds, batches[index]!),
    });
  };

  await viaGraphQL(-1);
  await viaRawInsert(-1);
  const totals = { graphql: 0, raw: 0 };
  const batchLatencies: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const graphql = await viaGraphQL(round);
    totals.graphql += graphql.milliseconds;
    batchLatencies.push(...graphql.latencies);
    totals.raw += (await viaRawInsert(round)).milliseconds;
  }

  const events = ROUNDS * BATCHES_PER_ROUND * BATCH_SIZE;
  const graphqlRate = perSecond(events, totals.graphql);
  const rawRate = perSecond(events, totals.raw);
  report(
    `ingest: ${formatNumber(events)} events per path, batches of ${BATCH_SIZE}, ${CLIENTS} concurrent clients, ${ACCOUNTS} accounts, ${METERS.length} meters`,
  );
  report(`  GraphQL recordUsage (events + hourly/daily rollups): ${formatNumber(graphqlRate)} events/s`);
  report(
    `    per batch: p50 ${percentile(batchLatencies, 50).toFixed(1)} ms, p95 ${percentile(batchLatencies, 95).toFixed(1)} ms`,
  );
  report(`  raw INSERT ... ON CONFLICT DO NOTHING (no rollups):   ${formatNumber(rawRate)} events/s`);
  report(`  target: >= 20,000 events/s and ratio >= 0.4`);
  return { ratioLabel: 'GraphQL ingest / raw INSERT (events/s)', ratio: graphqlRate / rawRate };
};

async function rawInsert(knex: Knex, meterIds: Map<string, string>, events: BenchEvent[]): Promise<void> {
  await knex.raw(
    `insert into usage_events (account_id, meter_id, quantity, occurred_at, idempotency_key, properties)
     select * from unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::timestamptz[], ?::text[], ?::jsonb[])
     on conflict (account_id, idempotency_key) do nothing`,
    [
      events.map((event) => event.accountId),
      events.map((event) => meterIds.get(event.meterKey)!),
      events.map((event) => event.quantity),
      events.map((event) => event.occurredAt),
      events.map((event) => event.idempotencyKey),
      events.map((event) => JSON.stringify({ user_id: event.userId })),
    ],
  );
}
