import { ConfigError, loadConfig, loadDotEnvOutsideProduction, type Config } from '../config';
import { migrateToLatest, migrationStatus } from '../db/migrations';
import { CommandFailure, connectForCommand, note, print, runCommand, UsageError } from './commandLine';

/**
 * `npm run db:status` and `npm run db:migrate` (compiled: `node build/app/server/cli/database.js
 * status|migrate`): the database's migrations, for an operator upgrading by hand or checking an upgrade.
 * The same environment and database as `npm start` (DATABASE_URL, or the embedded Postgres's data folder
 * while the service is stopped). Exit codes: 0 done (status: nothing pending), 1 failed, 2 bad command,
 * 3 status found migrations pending.
 */
const USAGE = `Usage:
  npm run db:status     Lists how many migrations are applied and which are pending (exit 3 if any).
  npm run db:migrate    Applies the pending migrations, under the lock every starting copy takes.`;

type Command = 'status' | 'migrate';

function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command !== 'status' && command !== 'migrate')
    throw new UsageError(command ? `Unknown command "${command}".` : 'Name a command.');
  if (rest.length > 0) throw new UsageError(`${command} takes no arguments.`);
  return command;
}

async function run(command: Command, config: Config): Promise<number> {
  const connection = await connectForCommand(config);
  try {
    if (command === 'migrate') {
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
    if (!(error instanceof CommandFailure)) throw error;
    note(error.message);
    return 1;
  }
}

runCommand('db', main);
