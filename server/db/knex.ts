import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { Model, knexSnakeCaseMappers } from 'objection';
import pg from 'pg';
import { codeRoot } from '../paths';

/**
 * Postgres `bigint` holds every amount (minor units) and every credit figure (milli-credits). node-pg
 * hands bigint back as a string; we turn it into a JavaScript number only when that number is exact,
 * and fail loudly otherwise, so an amount can never be silently rounded.
 */
const BIGINT_OID = 20;
pg.types.setTypeParser(BIGINT_OID, (text: string) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new RangeError(`bigint ${text} is outside the exactly representable range`);
  return value;
});

export type Database = Knex;

export function createDatabase({
  connectionString,
  poolMax = 10,
  applicationName = 'billing-service',
}: {
  connectionString: string;
  poolMax?: number;
  /** How the process's connections are named in pg_stat_activity. */
  applicationName?: string;
}): Database {
  return knexFactory({
    client: 'pg',
    connection: { connectionString, application_name: applicationName },
    pool: { min: 0, max: poolMax },
    migrations: { migrationSource: new MigrationFiles(migrationsDirectory), tableName: 'knex_migrations' },
    seeds: { directory: seedsDirectory, loadExtensions: [codeExtension] },
    // camelCase identifiers in code become snake_case columns, in queries and in the rows returned.
    // Raw SQL text is left alone, and so are the rows of knex.raw() results.
    ...knexSnakeCaseMappers(),
  });
}

/** Binds every Objection model to this database. Each process (and each test file) has one. */
export function bindModels(database: Database): void {
  Model.knex(database);
}

export const migrationsDirectory = join(codeRoot, 'migrations');
export const seedsDirectory = join(codeRoot, 'seeds');

/** `.ts` from source, `.js` in the compiled build (server/paths.ts). */
const codeExtension = extname(__filename);

/** The name knex_migrations records for a migration file, compiled or not. */
export const migrationNameOf = (file: string): string => `${file.slice(0, -extname(file).length)}.ts`;

/**
 * The migration files beside the running code: TypeScript from source, JavaScript in the compiled build.
 * Each is named by its source file (`20260101000000_accounts.ts`), as knex_migrations has always
 * recorded them, so the same database runs under either.
 */
class MigrationFiles implements Knex.MigrationSource<string> {
  constructor(private readonly directory: string) {}

  async getMigrations(): Promise<string[]> {
    const files = await readdir(this.directory);
    return files.filter((file) => extname(file) === codeExtension).sort();
  }

  getMigrationName(file: string): string {
    return migrationNameOf(file);
  }

  getMigration(file: string): Promise<Knex.Migration> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
    return Promise.resolve(require(join(this.directory, file)) as Knex.Migration);
  }
}
