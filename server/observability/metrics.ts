import type { Knex } from 'knex';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's metrics, in Prometheus's format at /metrics (server/observability/metricsRoute.ts).
 * Each copy of the service exposes its own; Prometheus scrapes every copy and sums them. Labels are
 * kept to small, fixed sets (a route class, an operation name from a bounded set, an event type), so
 * that no caller can grow the number of series without bound.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const registers = [metricsRegistry];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequests = new Counter({
  name: 'billing_http_requests_total',
  help: 'HTTP requests answered, by route class, method and status code.',
  labelNames: ['route', 'method', 'status'] as const,
  registers,
});

export const httpRequestDuration = new Histogram({
  name: 'billing_http_request_duration_seconds',
  help: 'Time from a request arriving to its response finishing, by route class.',
  labelNames: ['route', 'method'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

export const graphqlOperations = new Counter({
  name: 'billing_graphql_operations_total',
  help: 'GraphQL operations executed (over HTTP and by the web app), by name, type and outcome.',
  labelNames: ['operation', 'type', 'outcome'] as const,
  registers,
});

export const graphqlOperationDuration = new Histogram({
  name: 'billing_graphql_operation_duration_seconds',
  help: 'Time to execute a GraphQL operation, by name.',
  labelNames: ['operation', 'type'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

export const stripeEvents = new Counter({
  name: 'billing_stripe_events_total',
  help: 'Stripe webhook events received, by event type and outcome (failed ones are retried by Stripe).',
  labelNames: ['type', 'outcome'] as const,
  registers,
});

export const stripeEventLag = new Histogram({
  name: 'billing_stripe_event_lag_seconds',
  help: "Time from Stripe creating an event to this service having applied it (Stripe's clock to ours).",
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 21600, 86400],
  registers,
});

export const jobsFinished = new Counter({
  name: 'billing_jobs_total',
  help: 'Background jobs run by this process, by task and outcome.',
  labelNames: ['task', 'outcome'] as const,
  registers,
});

export const usageEventsIngested = new Counter({
  name: 'billing_usage_events_ingested_total',
  help: 'Usage events stored (duplicates and rejected events are not counted).',
  registers,
});

export const creditsConsumed = new Counter({
  name: 'billing_credits_consumed_millicredits_total',
  help: 'Milli-credits taken from balances by consumption.',
  registers,
});

export const consumptionBatchSize = new Histogram({
  name: 'billing_consumption_batch_size',
  help: 'Consumptions applied together in one transaction (one commit), of one account or of many.',
  buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
  registers,
});

/** What is read from the database at scrape time: the queues' backlogs and the connection pool. */
export function registerDatabaseMetrics(database: Knex): void {
  metricsRegistry.removeSingleMetric('billing_job_queue_ready');
  metricsRegistry.removeSingleMetric('billing_partner_webhook_deliveries_pending');
  metricsRegistry.removeSingleMetric('billing_db_pool_connections');

  new Gauge({
    name: 'billing_job_queue_ready',
    help: 'Jobs due and not yet taken by a worker, across all processes.',
    registers,
    async collect() {
      const count = await countOrUndefined(async () => {
        const { rows } = await database.raw<{ rows: Array<{ count: number }> }>(
          `select count(*)::int as count from graphile_worker.jobs
           where locked_at is null and run_at <= now() and attempts < max_attempts`,
        );
        return rows[0]?.count ?? 0;
      });
      if (count !== undefined) this.set(count);
    },
  });

  new Gauge({
    name: 'billing_partner_webhook_deliveries_pending',
    help: 'Partner webhook deliveries waiting for their next attempt (the outbox backlog).',
    registers,
    async collect() {
      const count = await countOrUndefined(async () => {
        const [row] = (await database('webhookDeliveries')
          .where({ status: 'pending' })
          .count({ count: '*' })) as Array<{ count: string | number }>;
        return Number(row?.count ?? 0);
      });
      if (count !== undefined) this.set(count);
    },
  });

  new Gauge({
    name: 'billing_db_pool_connections',
    help: "This process's database connections, by state (used, free, and requests waiting for one).",
    labelNames: ['state'] as const,
    registers,
    collect() {
      const pool = (database.client as { pool?: TarnPool }).pool;
      if (!pool) return;
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'waiting' }, pool.numPendingAcquires());
    },
  });
}

/**
 * A figure read from the database, or undefined when it cannot be read (the database is down, or the job
 * queue's schema is not installed yet): the scrape still answers with everything else, and /readyz is
 * where an unreachable database shows.
 */
async function countOrUndefined(read: () => Promise<number>): Promise<number | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}
