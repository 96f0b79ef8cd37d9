import type { Logger } from '../logger';
import { migrationNameOf, type Database } from './knex';
import { withStartupLock } from './startupLock';

/** Applies pending migrations, under the start-up lock (see applyMigrations for when it is held already). */
export async function migrateToLatest(database: Database, logger?: Logger): Promise<string[]> {
  return withStartupLock({ database, logger, prepare: () => applyMigrations(database) });
}

/**
 * Applies pending migrations; the caller holds the start-up lock (server/db/startupLock.ts). Knex's
 * own lock table is cleared first, which is safe only while no other copy can be migrating: a process
 * killed mid-migration, or two first starts racing to create that table, would otherwise leave it
 * locked or with two rows, and every later start would refuse with "Migration table is already locked".
 */
export async function applyMigrations(database: Database): Promise<string[]> {
  await releaseStaleMigrationLock(database);
  const [, applied] = (await database.migrate.latest()) as [number, string[]];
  return applied;
}

async function releaseStaleMigrationLock(database: Database): Promise<void> {
  const lockTable = 'knex_migrations_lock';
  if (!(await database.schema.hasTable(lockTable))) return;
  await database.transaction(async (trx) => {
    await trx(lockTable).delete();
    await trx(lockTable).insert({ isLocked: 0 });
  });
}

export interface MigrationStatus {
  applied: number;
  pending: string[];
}

export async function migrationStatus(database: Database): Promise<MigrationStatus> {
  // Pending migrations come as MigrationFiles lists them (server/db/knex.ts): file names.
  const [completed, pending] = (await database.migrate.list()) as [unknown[], string[]];
  return { applied: completed.length, pending: pending.map(migrationNameOf) };
}
