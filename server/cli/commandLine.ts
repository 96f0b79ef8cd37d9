import type { Config } from '../config';
import { connectDatabase, type DatabaseConnection } from '../db/connect';
import { createLogger } from '../logger';

/**
 * What the operator commands (`npm run admin`, `npm run catalog`) share: how they talk, how they reach
 * the database, and how they end. Exit codes: 0 done, 2 bad input (nothing changed), 1 anything else.
 */

/** The command line itself is wrong: the message is followed by the command's usage. */
export class UsageError extends Error {}

/** A failure the operator can act on: its message says how, without a stack. */
export class CommandFailure extends Error {}

/** Results, for the operator or a pipe. */
export const print = (text: string) => process.stdout.write(`${text}\n`);
/** Everything else: progress, warnings, errors. */
export const note = (text: string) => process.stderr.write(`${text}\n`);

/** A logger for the parts a command starts (Postgres, Stripe): their errors only, on stderr. */
export const quietLogger = () => createLogger({ level: 'error', destination: process.stderr });

/**
 * The service's database: DATABASE_URL, or the embedded Postgres the service uses by default, which
 * only one process can run at a time.
 */
export async function connectForCommand(config: Config): Promise<DatabaseConnection> {
  if (!config.databaseUrl)
    note(`DATABASE_URL is unset: using the embedded Postgres in ${config.embeddedPostgresDir}.`);
  try {
    // Postgres's own notes are of no use here; failures still surface as errors.
    return await connectDatabase({ config, logger: quietLogger() });
  } catch (error) {
    if (config.databaseUrl) throw error;
    throw new CommandFailure(
      `Could not start the embedded Postgres in ${config.embeddedPostgresDir}. Only one process can run it at a time: ` +
        'if the service is running, stop it, run this command, then start the service again (or set DATABASE_URL).',
      { cause: error },
    );
  }
}

/** Runs a command's main function and exits with its code; an unexpected error exits 1 with its stack. */
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const cause =
        error instanceof Error && error.cause instanceof Error ? `\nCaused by: ${error.cause.message}` : '';
      note(`The ${name} command failed: ${error instanceof Error ? error.stack : String(error)}${cause}`);
      process.exit(1);
    },
  );
}
