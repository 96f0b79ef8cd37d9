/**
 * For knex's own CLI against DATABASE_URL, mostly `migrate:make` when writing a migration; it needs a
 * TypeScript loader: `node --import tsx node_modules/knex/bin/cli.js migrate:make <name>`. Operators use
 * `npm run db:status` and `npm run db:migrate` (server/cli/database.ts), and the service migrates at
 * start-up (server/db/migrations.ts).
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
