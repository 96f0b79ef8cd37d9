import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seed as seedCatalog } from '../../seeds/01_catalog';
import { ensureDatabaseExists, startEmbeddedPostgres } from '../../server/db/embeddedPostgres';
import { bindModels, createDatabase, type Database } from '../../server/db/knex';
import { migrateToLatest } from '../../server/db/migrations';

/** The app's connection pool in the benchmarks (DATABASE_POOL_MAX): as many as the baselines' connections. */
export const APP_POOL_MAX = 64;

export interface BenchEnvironment {
  /** The app's GraphQL endpoint. */
  graphqlUrl: string;
  /** A bare Express JSON route in the same process (appProcess.ts), the floor of the HTTP stack. */
  bareUrl: string;
  /** The benchmark's own connections, for setup, baselines and checks; the models are bound to it. */
  knex: Database;
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * A fresh Postgres (embedded, on 127.0.0.1 and a free port, durable as in production: fsync and
 * synchronous commit on), migrated and seeded with the demo catalog, and the real app serving it from
 * its own process on 127.0.0.1 and a free port.
 */
export async function startBenchEnvironment({
  poolMax = 80,
}: { poolMax?: number } = {}): Promise<BenchEnvironment> {
  const cluster = await startEmbeddedPostgres({
    dataDir: await mkdtemp(join(tmpdir(), 'billing-bench-pg-')),
    persistent: false,
  });
  await ensureDatabaseExists(cluster.connectionString('postgres'), 'bench');
  const connectionString = cluster.connectionString('bench');
  const knex = createDatabase({ connectionString, poolMax });
  bindModels(knex);
  await migrateToLatest(knex);
  await seedCatalog(knex);

  const app = await startAppProcess(connectionString);
  return {
    graphqlUrl: `http://127.0.0.1:${app.port}/graphql`,
    bareUrl: `http://127.0.0.1:${app.port}/bench/bare`, // BARE_ROUTE in appProcess.ts
    knex,
    connectionString,
    async stop() {
      await app.stop();
      await knex.destroy();
      await cluster.stop();
    },
  };
}

async function startAppProcess(
  connectionString: string,
): Promise<{ port: number; stop: () => Promise<void> }> {
  // BENCH_APP_EXEC_ARGV passes Node flags to the app process only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p".
  const appFlags = process.env.BENCH_APP_EXEC_ARGV?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcess = fork(join(__dirname, 'appProcess.ts'), [], {
    execArgv: ['--import', 'tsx', ...appFlags],
    env: {
      ...process.env,
      BENCH_DATABASE_URL: connectionString,
      BENCH_POOL_MAX: String(APP_POOL_MAX),
      NODE_ENV: 'production',
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`the app process exited with ${code} before listening`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}
