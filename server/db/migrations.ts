import type { Database } from './knex';

export async function migrateToLatest(database: Database): Promise<string[]> {
  const [, applied] = (await database.migrate.latest()) as [number, string[]];
  return applied;
}

export interface MigrationStatus {
  applied: number;
  pending: string[];
}

export async function migrationStatus(database: Database): Promise<MigrationStatus> {
  const [completed, pending] = (await database.migrate.list()) as [unknown[], Array<{ file: string }>];
  return { applied: completed.length, pending: pending.map((migration) => migration.file) };
}
