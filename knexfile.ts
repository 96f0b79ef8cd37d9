/**
 * For the knex CLI (`npx knex migrate:status`, `migrate:make`, ...) against DATABASE_URL.
 * The service itself migrates at start-up (server/db/migrations.ts); this file only serves the CLI.
 */
import type { Knex } from 'knex';

const config: Knex.Config = {
  client: 'pg',
  connection: process.env.DATABASE_URL,
  migrations: {
    directory: './migrations',
    loadExtensions: ['.ts'],
    extension: 'ts',
    tableName: 'knex_migrations',
  },
  seeds: { directory: './seeds', loadExtensions: ['.ts'], extension: 'ts' },
};

export default config;
