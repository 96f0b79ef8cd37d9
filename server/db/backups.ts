import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * Backups of the service's database, for `npm run db:backup` and `db:restore` (server/cli/database.ts).
 *
 * - DATABASE_URL: Postgres's own `pg_dump --format=custom` and `pg_restore`, which must be of the
 *   server's major version or newer: an older pg_dump refuses a newer server.
 * - The embedded Postgres: it ships no pg_dump, and the system's may be older than it, so its data folder
 *   is archived whole (with the password file beside it) while the cluster is stopped: a cold physical
 *   backup, which Postgres supports for a stopped cluster.
 */
const run = promisify(execFile);

/** A failure the operator can act on: its message says what to do. */
export class BackupError extends Error {}

// ---------------------------------------------------------------------------------------------------
// The embedded Postgres: its data folder, archived while stopped.

/** Whether a Postgres is running on this data folder (its postmaster.pid names a live process). */
export async function clusterRunning(dataDir: string): Promise<boolean> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (the postgres system user, run as root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function refuseWhileRunning(dataDir: string, what: string): Promise<void> {
  if (await clusterRunning(dataDir))
    throw new BackupError(
      `The embedded Postgres in ${dataDir} is running. Stop the service, ${what}, then start it again ` +
        '(or use DATABASE_URL with a Postgres of your own, which can be backed up while it serves).',
    );
}

export async function backUpDataFolder({ dataDir, file }: { dataDir: string; file: string }): Promise<void> {
  if (!existsSync(join(dataDir, 'PG_VERSION')))
    throw new BackupError(`There is no embedded Postgres in ${dataDir} to back up.`);
  await refuseWhileRunning(dataDir, 'back it up');
  const folder = basename(dataDir);
  const entries = [folder, ...(existsSync(`${dataDir}.password`) ? [`${folder}.password`] : [])];
  await run('tar', ['-czf', resolve(file), '-C', dirname(dataDir), ...entries]);
}

/**
 * Puts an archive's data folder in place of `dataDir`. What was there is kept beside it, renamed
 * `<folder>.before-restore-<time>`, never deleted: a restore is undone by renaming it back.
 */
export async function restoreDataFolder({
  dataDir,
  file,
}: {
  dataDir: string;
  file: string;
}): Promise<{ keptAt: string | undefined }> {
  if (!existsSync(file)) throw new BackupError(`There is no backup at ${file}.`);
  await refuseWhileRunning(dataDir, 'restore it');
  const parent = dirname(dataDir);
  const unpacked = await mkdtemp(join(parent, '.restore-'));
  try {
    await run('tar', ['-xzf', resolve(file), '-C', unpacked]).catch((error: Error) => {
      throw new BackupError(`${file} is not a backup of the embedded Postgres (${error.message.trim()}).`);
    });
    const folders = (await readdir(unpacked)).filter((entry) =>
      existsSync(join(unpacked, entry, 'PG_VERSION')),
    );
    if (folders.length !== 1)
      throw new BackupError(
        `${file} is not a backup of the embedded Postgres: it holds no Postgres data folder.`,
      );
    const [folder] = folders as [string];
    let keptAt: string | undefined;
    if (existsSync(dataDir)) {
      keptAt = `${dataDir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(dataDir, keptAt);
      if (existsSync(`${dataDir}.password`)) await rename(`${dataDir}.password`, `${keptAt}.password`);
    }
    await rename(join(unpacked, folder), dataDir);
    if (existsSync(join(unpacked, `${folder}.password`)))
      await rename(join(unpacked, `${folder}.password`), `${dataDir}.password`);
    return { keptAt };
  } finally {
    await rm(unpacked, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// DATABASE_URL: pg_dump and pg_restore.

async function clientMajor(program: 'pg_dump' | 'pg_restore'): Promise<number> {
  try {
    const { stdout } = await run(program, ['--version']);
    return Number(/(\d+)(?:\.\d+)*/.exec(stdout)?.[1]);
  } catch {
    throw new BackupError(
      `${program} is not installed. Install the Postgres client of your server's major version ` +
        '(Debian and Ubuntu: postgresql-client-<version>).',
    );
  }
}

async function serverMajor(connectionString: string): Promise<number> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>(
      `select current_setting('server_version_num') as version`,
    );
    return Math.floor(Number(rows[0]!.version) / 10000);
  } finally {
    await client.end();
  }
}

async function requireClientFor(program: 'pg_dump' | 'pg_restore', connectionString: string): Promise<void> {
  const [client, server] = await Promise.all([clientMajor(program), serverMajor(connectionString)]);
  if (client < server)
    throw new BackupError(
      `${program} is version ${client} and the database is Postgres ${server}: ${program} refuses a newer ` +
        `server. Install postgresql-client-${server} (or newer) and run this again.`,
    );
}

export async function dumpDatabase({ connectionString, file }: { connectionString: string; file: string }) {
  await requireClientFor('pg_dump', connectionString);
  await run('pg_dump', ['--format=custom', `--file=${resolve(file)}`, `--dbname=${connectionString}`]);
}

/**
 * Loads a dump. Into an empty database unless `replace` is given, when what the dump holds is dropped
 * and loaded again: a restore over a database in use is a decision, not a default.
 */
export async function restoreDatabase({
  connectionString,
  file,
  replace,
}: {
  connectionString: string;
  file: string;
  replace: boolean;
}): Promise<void> {
  if (!existsSync(file)) throw new BackupError(`There is no backup at ${file}.`);
  await requireClientFor('pg_restore', connectionString);
  if (!replace && (await holdsTables(connectionString)))
    throw new BackupError(
      'The database already holds tables. Restore into an empty database, or add --replace to drop and ' +
        'reload everything the backup holds (stop the service first).',
    );
  await run('pg_restore', [
    '--no-owner',
    '--exit-on-error',
    ...(replace ? ['--clean', '--if-exists'] : []),
    `--dbname=${connectionString}`,
    resolve(file),
  ]);
}

async function holdsTables(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `select 1 from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema') limit 1`,
    );
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}
