import { createDatabase, type Database } from '../../server/db/knex';
import { migrateToLatest, migrationStatus } from '../../server/db/migrations';
import { withDatabase } from '../support/connectionStrings';

const maintenanceUrl = process.env.TEST_DATABASE_URL!;
const name = `billing_migrations_${process.pid}`;
let admin: Database;
let database: Database;

beforeAll(async () => {
  admin = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
  await admin.raw(`drop database if exists ${name} with (force)`);
  await admin.raw(`create database ${name}`);
  database = createDatabase({ connectionString: withDatabase(maintenanceUrl, name), poolMax: 2 });
});

afterAll(async () => {
  await database.destroy();
  await admin.raw(`drop database if exists ${name} with (force)`);
  await admin.destroy();
});

async function userTables(): Promise<string[]> {
  const { rows } = await database.raw<{ rows: Array<{ tablename: string }> }>(
    `select tablename from pg_tables where schemaname = 'public' and tablename not like 'knex_%' order by tablename`,
  );
  return rows.map((row) => row.tablename);
}

describe('migrations', () => {
  it('run up on an empty database, down to nothing, and up again', async () => {
    const applied = await migrateToLatest(database);
    expect(applied.length).toBeGreaterThan(0);
    expect(await migrationStatus(database)).toEqual({ applied: applied.length, pending: [] });
    const tables = await userTables();
    expect(tables).toEqual(
      expect.arrayContaining([
        'accounts',
        'users',
        'memberships',
        'sessions',
        'api_keys',
        'plans',
        'plan_entitlements',
        'meters',
        'credit_packages',
        'subscriptions',
        'usage_events',
        'usage_rollups',
        'credit_grants',
        'credit_ledger_entries',
        'credit_balances',
        'auto_top_up_settings',
        'payments',
        'invoices',
        'invoice_lines',
        'stripe_events',
        'audit_log',
        'notifications',
      ]),
    );

    await database.migrate.rollback(undefined, true);
    expect(await userTables()).toEqual([]);
    expect((await migrationStatus(database)).pending).toHaveLength(applied.length);

    expect(await migrateToLatest(database)).toEqual(applied);
    expect(await userTables()).toEqual(tables);
  });

  it('are applied once when several processes start together, each waiting for the other', async () => {
    await database.migrate.rollback(undefined, true);
    const processes = [0, 1, 2].map(() =>
      createDatabase({ connectionString: withDatabase(maintenanceUrl, name), poolMax: 2 }),
    );
    try {
      const applied = await Promise.all(processes.map((process) => migrateToLatest(process)));
      const all = applied.flat();
      expect(new Set(all).size).toBe(all.length);
      expect(await migrationStatus(database)).toEqual({ applied: all.length, pending: [] });
    } finally {
      await Promise.all(processes.map((process) => process.destroy()));
    }
  });
});
