/**
 * The service as the benchmarks run it: the real Express app (server/app.ts) in a process of its own,
 * as in production, so that the load generator does not share its event loop. Started by
 * environment.ts over IPC; reports its port, stops on request.
 */
import { createApp } from '../../server/app';
import { listenForChanges } from '../../server/db/changeNotifications';
import { bindModels, createDatabase } from '../../server/db/knex';
import { createLogger } from '../../server/logger';
import { RATE_LIMITS, type RateLimitRules } from '../../server/rateLimits/rules';

/** Limits the load never meets: they are still counted on every request, as in production. */
const BENCHMARK_RATE_LIMITS = Object.fromEntries(
  Object.keys(RATE_LIMITS).map((name) => [name, { points: 1_000_000_000, durationSeconds: 60 }]),
) as RateLimitRules;

async function main(): Promise<void> {
  const database = createDatabase({
    connectionString: process.env.BENCH_DATABASE_URL!,
    poolMax: Number(process.env.BENCH_POOL_MAX),
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
  const server = app.express.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
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

main().catch((error: unknown) => {
  process.stderr.write(`benchmark app failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
