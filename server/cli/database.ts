import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadDotEnvOutsideProduction, type Config } from '../config';
import {
  backUpDataFolder,
  BackupError,
  dumpDatabase,
  restoreDatabase,
  restoreDataFolder,
} from '../db/backups';
import { reachableDataDir } from '../db/embeddedPostgres';
import { migrateToLatest, migrationStatus } from '../db/migrations';
import { CommandFailure, connectForCommand, note, print, runCommand, UsageError } from './commandLine';

/**
 * `npm run db:<command>` (compiled: `node build/app/server/cli/database.js <command>`): the database's
 * migrations, for an operator upgrading, and its backups (docs/operations.md). The same environment and
 * database as `npm start` (DATABASE_URL, or the embedded Postgres's data folder while the service is
 * stopped). Exit codes: 0 done (status: nothing pending), 1 failed, 2 bad command, 3 status found
 * migrations pending.
 */
const USAGE = `Usage:
  npm run db:status     Lists how many migrations are applied and which are pending (exit 3 if any).
  npm run db:migrate    Applies the pending migrations, under the lock every starting copy takes.
  npm run db:backup -- [--file <path>]
      DATABASE_URL: pg_dump of it (custom format). Embedded Postgres (service stopped): its data folder,
      archived. The file defaults to billing-<time>.dump or billing-<time>.tar.gz.
  npm run db:restore -- --file <path> [--replace]
      Loads a backup. DATABASE_URL: into an empty database, or over everything with --replace. Embedded
      Postgres (service stopped): the data folder is replaced; the old one is kept beside it.`;

type Command =
  | { kind: 'status' | 'migrate' }
  | { kind: 'backup'; file?: string }
  | { kind: 'restore'; file: string; replace: boolean };

function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === 'status' || command === 'migrate') {
    if (rest.length > 0) throw new UsageError(`${command} takes no arguments.`);
    return { kind: command };
  }
  if (command !== 'backup' && command !== 'restore')
    throw new UsageError(command ? `Unknown command "${command}".` : 'Name a command.');
  let values: { file?: string; replace?: boolean };
  try {
    values = parseArgs({
      args: rest,
      options: { file: { type: 'string' }, replace: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (command === 'backup') {
    if (values.replace) throw new UsageError('--replace is for restore.');
    return { kind: 'backup', file: values.file };
  }
  if (!values.file) throw new UsageError('restore needs --file <path>.');
  return { kind: 'restore', file: values.file, replace: values.replace ?? false };
}

const timestamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** Backups work on the stopped cluster's files or through pg_dump: neither goes through the pool. */
async function runBackup(command: Extract<Command, { kind: 'backup' | 'restore' }>, config: Config) {
  const dataDir = reachableDataDir(resolve(config.embeddedPostgresDir));
  if (command.kind === 'backup') {
    const file = command.file ?? `billing-${timestamp()}.${config.databaseUrl ? 'dump' : 'tar.gz'}`;
    if (config.databaseUrl) await dumpDatabase({ connectionString: config.databaseUrl, file });
    else await backUpDataFolder({ dataDir, file });
    print(`Backed up to ${file}.`);
    return;
  }
  if (config.databaseUrl) {
    await restoreDatabase({
      connectionString: config.databaseUrl,
      file: command.file,
      replace: command.replace,
    });
    print(`Restored ${command.file}. Start the service: it applies any migration the backup predates.`);
    return;
  }
  const { keptAt } = await restoreDataFolder({ dataDir, file: command.file });
  print(`Restored ${command.file} into ${dataDir}.`);
  if (keptAt) note(`The data it replaced is kept at ${keptAt}; delete it once you no longer need it.`);
}

async function run(command: Command, config: Config): Promise<number> {
  if (command.kind === 'backup' || command.kind === 'restore') {
    await runBackup(command, config);
    return 0;
  }
  const connection = await connectForCommand(config);
  try {
    if (command.kind === 'migrate') {
      const applied = await migrateToLatest(connection.database);
      print(applied.length > 0 ? applied.map((name) => `applied ${name}`).join('\n') : 'Nothing to apply.');
      return 0;
    }
    const { applied, pending } = await migrationStatus(connection.database);
    print(`${applied} migrations applied, ${pending.length} pending.`);
    for (const name of pending) print(`pending ${name}`);
    return pending.length > 0 ? 3 : 0;
  } finally {
    await connection.close();
  }
}

async function main(): Promise<number> {
  let command: Command;
  let config: Config;
  try {
    command = parseCommand(process.argv.slice(2));
    loadDotEnvOutsideProduction();
    config = loadConfig();
  } catch (error) {
    if (error instanceof UsageError) note(`${error.message}\n\n${USAGE}`);
    else if (error instanceof ConfigError) note(error.message);
    else throw error;
    return error instanceof ConfigError ? 1 : 2;
  }
  try {
    return await run(command, config);
  } catch (error) {
    if (!(error instanceof CommandFailure || error instanceof BackupError)) throw error;
    note(error.message);
    return 1;
  }
}

runCommand('db', main);
