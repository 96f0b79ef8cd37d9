/**
 * The service as the benchmarks run it: the real Express app (server/app.ts) in a process of its own,
 * as in production, so that the load generator does not share its event loop. Started by
 * environment.ts over IPC; reports its port, stops on request. With BENCH_APP_PROCESSES=n above 1 it is
 * a cluster of n workers on one port, as WEB_CONCURRENCY runs the service (decision 053), sharing the
 * pool size between them.
 */
import cluster from 'node:cluster';
import express from 'express';
import { createApp } from '../../server/app';
import { DEFAULT_KEEP_ALIVE_SECONDS } from '../../server/config';
import { listenForChanges } from '../../server/db/changeNotifications';
import { bindModels, createDatabase } from '../../server/db/knex';
import { createLogger } from '../../server/logger';
import { RATE_LIMITS, type RateLimitRules } from '../../server/rateLimits/rules';

/** Limits the load never meets: they are still counted on every request, as in production. */
const BENCHMARK_RATE_LIMITS = Object.fromEntries(
  Object.keys(RATE_LIMITS).map((name) => [name, { points: 1_000_000_000, durationSeconds: 60 }]),
) as RateLimitRules;

const PROCESSES = Number(process.env.BENCH_APP_PROCESSES ?? 1);
const BARE_ROUTE = '/bench/bare';

/** Forks the workers, reports the shared port once every one listens, and stops them on request. */
function superviseWorkers(): void {
  const workers = Array.from({ length: PROCESSES }, () => cluster.fork());
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === PROCESSES) process.send!({ port: address.port });
  });
  process.on('disconnect', () => process.exit(1));
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    const exited = workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
    for (const worker of workers) worker.send('stop');
    await Promise.all(exited);
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const database = createDatabase({
    connectionString: process.env.BENCH_DATABASE_URL!,
    poolMax: Math.ceil(Number(process.env.BENCH_POOL_MAX) / PROCESSES),
  });
  bindModels(database);
  const stopListening = await listenForChanges({
    connectionString: process.env.BENCH_DATABASE_URL!,
    logger: createLogger({ level: 'warn' }),
  });
  const app = await createApp({
    database,
    logger: createLogger({ level: 'warn' }),
    production: true,
    cookieOptions: { secret: 'benchmark-session-secret-that-is-long-enough', secure: false },
    rateLimitRules: BENCHMARK_RATE_LIMITS,
  });
  // A bare Express JSON route beside the app, the floor a GraphQL request is compared with: it parses the
  // body and answers what the trivial query answers, and nothing else.
  const outer = express();
  outer.post(BARE_ROUTE, express.json(), (_req, res) => {
    res.json({ data: { __typename: 'Query' } });
  });
  outer.use(app.express);
  const server = outer.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  // As the service keeps idle connections (server/main.ts): the load generators' pools reuse them.
  server.keepAliveTimeout = DEFAULT_KEEP_ALIVE_SECONDS * 1000;
  // If the benchmark dies, its IPC channel closes: do not outlive it.
  process.on('disconnect', () => process.exit(1));
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    server.closeAllConnections();
    server.close();
    await app.stop();
    await stopListening();
    await database.destroy();
    process.exit(0);
  });
}

if (PROCESSES > 1 && cluster.isPrimary) superviseWorkers();
else
  main().catch((error: unknown) => {
    process.stderr.write(`benchmark app failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
