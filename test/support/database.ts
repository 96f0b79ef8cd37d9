import { randomBytes } from 'node:crypto';
import { bindModels, createDatabase, type Database } from '../../server/db/knex';
import { withDatabase } from './connectionStrings';

/**
 * Gives the calling test file its own database, cloned from the migrated template that globalSetup
 * built, and binds every model to it. Dropped when the file's tests are done.
 */
export function useTestDatabase(): { readonly knex: Database; readonly connectionString: string } {
  const name = `billing_test_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
  const maintenanceUrl = requiredEnv('TEST_DATABASE_URL');
  const connectionString = withDatabase(maintenanceUrl, name);
  let database: Database | undefined;

  beforeAll(async () => {
    await withMaintenanceConnection(maintenanceUrl, (admin) =>
      admin.raw(`create database ${name} template ${requiredEnv('TEST_TEMPLATE_DATABASE')}`),
    );
    database = createDatabase({ connectionString, poolMax: 20 });
    bindModels(database);
  });

  afterAll(async () => {
    await database?.destroy();
    await withMaintenanceConnection(maintenanceUrl, (admin) =>
      admin.raw(`drop database if exists ${name} with (force)`),
    );
  });

  return {
    get knex() {
      if (!database) throw new Error('The test database is ready only inside hooks and tests');
      return database;
    },
    connectionString,
  };
}

async function withMaintenanceConnection<T>(url: string, work: (admin: Database) => Promise<T>): Promise<T> {
  const admin = createDatabase({ connectionString: url, poolMax: 1 });
  try {
    return await work(admin);
  } finally {
    await admin.destroy();
  }
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; tests must run through jest's globalSetup`);
  return value;
}
