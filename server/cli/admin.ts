import { parseArgs } from 'node:util';
import {
  grantPlatformAdmin,
  listPlatformAdmins,
  parsePlatformAdminInput,
  type PlatformAdminGrant,
} from '../auth/platformAdmins';
import { ConfigError, loadConfig, loadDotEnvOutsideProduction, type Config } from '../config';
import { migrateToLatest } from '../db/migrations';
import { DomainError, ValidationError } from '../errors';
import { useSettings } from '../settings';
import { CommandFailure, connectForCommand, note, print, runCommand, UsageError } from './commandLine';

/**
 * `npm run admin -- <command>`: what an operator does before anyone can sign in. It reads the same
 * environment as `npm start` and uses the same database (DATABASE_URL, or the embedded Postgres's data
 * folder), migrating it first as the service does at start. Results go to stdout, notes to stderr.
 * Exit codes: 0 done, 1 failed, 2 bad command or input (nothing was touched).
 */
const USAGE = `Usage:
  npm run admin -- create --email <address> [--name <name>]
      Creates a platform admin, or makes the existing login with that address one, and prints a
      one-time link to choose a password and sign in. Running it again prints a new link.
  npm run admin -- list
      Lists the platform admins.`;

type Command = { kind: 'create'; email: string; name?: string } | { kind: 'list' };

function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === 'list') {
    optionsOf(rest, {});
    return { kind: 'list' };
  }
  if (command !== 'create')
    throw new UsageError(command ? `Unknown command "${command}".` : 'Name a command.');
  const values = optionsOf(rest, { email: { type: 'string' }, name: { type: 'string' } });
  if (values.email === undefined) throw new UsageError('create needs --email <address>.');
  // Checked before connecting, so that bad input touches no database, not even to migrate it.
  const input = parsePlatformAdminInput({ email: values.email, name: values.name });
  return { kind: 'create', email: input.email, name: input.name };
}

function optionsOf(args: string[], options: Record<string, { type: 'string' }>) {
  try {
    return parseArgs({ args, options, strict: true }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function run(command: Command, config: Config): Promise<void> {
  const connection = await connectForCommand(config);
  try {
    const applied = await migrateToLatest(connection.database);
    if (applied.length > 0) note(`Applied ${applied.length} migrations to the database.`);
    // The link points where the service is reached: PUBLIC_URL, or where `npm start` listens by default.
    useSettings({ publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}` });
    if (command.kind === 'create')
      print(describeGrant(await grantPlatformAdmin({ email: command.email, name: command.name })));
    else print(await describeAdmins());
  } finally {
    await connection.close();
  }
}

function describeGrant({ user, outcome, passwordLink }: PlatformAdminGrant): string {
  const done = {
    created: `Created the platform admin ${user.email}.`,
    promoted: `${user.email} already had a login; it is now a platform admin.`,
    already_admin: `${user.email} is already a platform admin; nothing changed.`,
  }[outcome];
  const next = user.passwordHash
    ? 'They can sign in with their password, or choose a new one here within the hour (the link works once):'
    : 'Choose a password and sign in here within the hour (the link works once):';
  return [done, next, `  ${passwordLink}`, 'Run the command again for a new link.'].join('\n');
}

async function describeAdmins(): Promise<string> {
  const admins = await listPlatformAdmins();
  if (admins.length === 0)
    return 'No platform admin yet. Create one: npm run admin -- create --email <address>';
  return admins
    .map((admin) =>
      [
        admin.email,
        admin.name ?? '-',
        admin.passwordHash ? 'password set' : 'no password yet',
        `since ${admin.createdAt.toISOString().slice(0, 10)}`,
      ].join('\t'),
    )
    .join('\n');
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
    else if (error instanceof ValidationError) note(`Invalid input: ${error.message}`);
    else if (error instanceof ConfigError) note(error.message);
    else throw error;
    return error instanceof ConfigError ? 1 : 2;
  }
  try {
    await run(command, config);
    return 0;
  } catch (error) {
    if (!(error instanceof DomainError || error instanceof CommandFailure)) throw error;
    const cause = error.cause instanceof Error ? `\n(${error.cause.message.trim()})` : '';
    note(`${error.message}${cause}`);
    return 1;
  }
}

runCommand('admin', main);
