import knexFactory, { type Knex } from 'knex';
import { Model, knexSnakeCaseMappers } from 'objection';
import pg from 'pg';

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
    // Migrations live at the repository root; they are TypeScript, run through tsx/ts-jest.
    migrations: { directory: migrationsDirectory, loadExtensions: ['.ts'], tableName: 'knex_migrations' },
    seeds: { directory: seedsDirectory, loadExtensions: ['.ts'] },
    // camelCase identifiers in code become snake_case columns, in queries and in the rows returned.
    // Raw SQL text is left alone, and so are the rows of knex.raw() results.
    ...knexSnakeCaseMappers(),
  });
}

/** Binds every Objection model to this database. Each process (and each test file) has one. */
export function bindModels(database: Database): void {
  Model.knex(database);
}

export const migrationsDirectory = `${__dirname}/../../migrations`;
export const seedsDirectory = `${__dirname}/../../seeds`;
