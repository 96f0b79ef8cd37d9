import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { systemActor } from '../auth/actor';
import {
  applyCatalogChanges,
  changesAnything,
  changesNeedStripe,
  describeChanges,
  exportCatalog,
  formatCatalog,
  parseCatalogFile,
  planCatalogChanges,
  type CatalogFile,
  type CatalogFormat,
} from '../catalog/catalogFile';
import { ConfigError, loadConfig, loadDotEnvOutsideProduction, type Config } from '../config';
import { migrateToLatest } from '../db/migrations';
import { DomainError, ValidationError } from '../errors';
import { useStripe } from '../stripe/client';
import { startStripeRuntime } from '../stripe/stripeRuntime';
import {
  CommandFailure,
  connectForCommand,
  note,
  print,
  quietLogger,
  runCommand,
  UsageError,
} from './commandLine';

/**
 * `npm run catalog -- <command>`: the catalog as a file (docs/catalog-file.md, decision 031). It reads
 * the same environment as `npm start` and uses the same database, migrating it first, and the same
 * Stripe (the emulator, with its state file, when STRIPE_SECRET_KEY is unset), only when a price must be
 * made. Results go to stdout, notes to stderr. Exit codes: 0 done, 1 failed, 2 bad command or file
 * (nothing was changed).
 */
const USAGE = `Usage:
  npm run catalog -- export [--file <catalog.yaml>] [--format yaml|json]
      Prints the catalog on sale (meters, plans, credit packages), or writes it to the file.
  npm run catalog -- apply <catalog.yaml> [--dry-run] [--archive-missing]
      Checks the whole file, prints what it would change, and (without --dry-run) changes it: a plan
      whose definition differs from the version on sale is published as its next version. Plans and
      credit packages on sale but not in the file are kept unless --archive-missing is given.`;

type Command =
  | { kind: 'export'; file?: string; format: CatalogFormat }
  | { kind: 'apply'; file: string; catalog: CatalogFile; dryRun: boolean; archiveMissing: boolean };

const formatOf = (file: string | undefined): CatalogFormat =>
  file && extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';

async function parseCommand(argv: string[]): Promise<Command> {
  const [command, ...rest] = argv;
  if (command === 'export') {
    const { values, positionals } = argumentsOf(rest, {
      file: { type: 'string' },
      format: { type: 'string' },
    });
    if (positionals.length > 0)
      throw new UsageError(`export takes no file name; use --file ${positionals[0]}.`);
    const format = (values.format ?? formatOf(values.file as string | undefined)) as string;
    if (format !== 'yaml' && format !== 'json') throw new UsageError('--format is yaml or json.');
    return { kind: 'export', file: values.file as string | undefined, format };
  }
  if (command !== 'apply')
    throw new UsageError(command ? `Unknown command "${command}".` : 'Name a command.');
  const { values, positionals } = argumentsOf(rest, {
    'dry-run': { type: 'boolean' },
    'archive-missing': { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError('apply needs one file: apply <catalog.yaml>.');
  const file = positionals[0]!;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Checked before connecting, so that a bad file touches no database, not even to migrate it.
  const catalog = parseCatalogFile(text);
  return {
    kind: 'apply',
    file,
    catalog,
    dryRun: values['dry-run'] === true,
    archiveMissing: values['archive-missing'] === true,
  };
}

function argumentsOf(args: string[], options: Record<string, { type: 'string' | 'boolean' }>) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function run(command: Command, config: Config): Promise<void> {
  const connection = await connectForCommand(config);
  try {
    const applied = await migrateToLatest(connection.database);
    if (applied.length > 0) note(`Applied ${applied.length} migrations to the database.`);
    if (command.kind === 'export') {
      const text = formatCatalog(await exportCatalog(), command.format);
      if (command.file) {
        await writeFile(command.file, text);
        note(`Wrote the catalog on sale to ${command.file}.`);
      } else process.stdout.write(text);
      return;
    }
    await apply(command, config);
  } finally {
    await connection.close();
  }
}

async function apply(command: Extract<Command, { kind: 'apply' }>, config: Config): Promise<void> {
  const { catalog, archiveMissing } = command;
  const changes = await planCatalogChanges(catalog, { archiveMissing });
  print(describeChanges(changes, { archiveMissing }));
  if (!changesAnything(changes)) {
    print(`The catalog already is as ${command.file} says; nothing to do.`);
    return;
  }
  if (command.dryRun) {
    print('Dry run: nothing was changed.');
    return;
  }
  let stopStripe: (() => Promise<void>) | undefined;
  if (changesNeedStripe(catalog, changes)) {
    const runtime = await startStripeRuntime({ config, logger: quietLogger() });
    if (runtime.mode === 'emulated')
      note(
        'STRIPE_SECRET_KEY is unset: prices are made in the Stripe emulator. If the service is running, ' +
          'restart it afterwards so that its emulator has them too.',
      );
    const restore = useStripe(runtime.client);
    stopStripe = async () => {
      restore();
      await runtime.stop();
    };
  }
  try {
    await applyCatalogChanges({ actor: systemActor(`catalog file ${command.file}`), file: catalog, changes });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // The file was checked as a whole; what fails now (Stripe down, a concurrent edit) stops part way.
    throw new CommandFailure(
      `Applying ${command.file} stopped: ${error.message}\nWhat was applied before stays applied; run the command again to finish.`,
      { cause: error.cause },
    );
  } finally {
    await stopStripe?.();
  }
  print(`Applied ${command.file}.`);
}

/** Every problem of a file, one a line, by path. */
function describeProblems(error: ValidationError): string {
  const problems = Object.entries(error.fieldErrors);
  if (problems.length === 0) return error.message;
  return problems.map(([path, problem]) => `  ${path}: ${problem}`).join('\n');
}

async function main(): Promise<number> {
  let command: Command;
  let config: Config;
  try {
    command = await parseCommand(process.argv.slice(2));
    loadDotEnvOutsideProduction();
    config = loadConfig();
  } catch (error) {
    if (error instanceof UsageError) note(`${error.message}\n\n${USAGE}`);
    else if (error instanceof ValidationError)
      note(`The file is not a valid catalog:\n${describeProblems(error)}`);
    else if (error instanceof ConfigError) note(error.message);
    else throw error;
    return error instanceof ConfigError ? 1 : 2;
  }
  try {
    await run(command, config);
    return 0;
  } catch (error) {
    if (error instanceof ValidationError) {
      note(`The catalog cannot take the file; nothing was changed:\n${describeProblems(error)}`);
      return 2;
    }
    if (!(error instanceof DomainError || error instanceof CommandFailure)) throw error;
    const cause = error.cause instanceof Error ? `\n(${error.cause.message.trim()})` : '';
    note(`${error.message}${cause}`);
    return 1;
  }
}

runCommand('catalog', main);
