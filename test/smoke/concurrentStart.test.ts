import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Database } from '../../server/db/knex';
import { withDatabase } from '../support/connectionStrings';
import { startServiceProcess, stopServiceProcesses } from '../support/serviceProcess';

/**
 * Copies of the service started at the same instant on one fresh database, as a process manager or an
 * orchestrator does: each is the real `npm start` process (migrations, the job queue's schema, demo
 * seeding, Stripe emulator, web app) and every one of them must come up, with the database prepared
 * once. Then a database a crashed start left behind (knex's migration lock held, with two rows) must
 * not stop the next start.
 */
const maintenanceUrl = process.env.TEST_DATABASE_URL!;
let admin: Database;
let directory: string;
const databases: string[] = [];

beforeAll(async () => {
  admin = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
  directory = await mkdtemp(join(tmpdir(), 'billing-concurrent-start-'));
});

afterEach(stopServiceProcesses);

afterAll(async () => {
  for (const name of databases) await admin.raw(`drop database if exists ${name} with (force)`);
  await admin.destroy();
  await rm(directory, { recursive: true, force: true });
});

async function freshDatabase(): Promise<string> {
  const name = `billing_start_${randomBytes(4).toString('hex')}`;
  await admin.raw(`create database ${name}`);
  databases.push(name);
  return withDatabase(maintenanceUrl, name);
}

/** Starts one copy on `databaseUrl`; resolves once it serves, rejects if it exits first. */
const startCopy = (databaseUrl: string) => startServiceProcess({ databaseUrl, directory });

async function inDatabase<T>(databaseUrl: string, work: (database: Database) => Promise<T>): Promise<T> {
  const database = createDatabase({ connectionString: databaseUrl, poolMax: 1 });
  try {
    return await work(database);
  } finally {
    await database.destroy();
  }
}

const TRIALS = 2;
const COPIES = 3;

it(`${COPIES} copies started at the same instant on a fresh database all come up, ${TRIALS} times over`, async () => {
  for (let trial = 0; trial < TRIALS; trial += 1) {
    const databaseUrl = await freshDatabase();
    const copies = await Promise.all(Array.from({ length: COPIES }, () => startCopy(databaseUrl)));
    for (const copy of copies) expect((await fetch(`${copy.url}/readyz`)).status).toBe(200);
    // One copy migrated and seeded; the others waited for it and found nothing left to do.
    expect(copies.filter((copy) => copy.output().includes('applied migrations'))).toHaveLength(1);
    await inDatabase(databaseUrl, async (database) => {
      expect(await database('knexMigrationsLock').select('isLocked')).toEqual([{ isLocked: 0 }]);
      const { rows } = await database.raw<{ rows: Array<{ email: string; copies: string }> }>(
        'select email, count(*) as copies from users group by email having count(*) > 1',
      );
      expect(rows).toEqual([]);
      expect(Number((await database('plans').count('* as count'))[0]!.count)).toBeGreaterThan(0);
    });
    await stopServiceProcesses();
  }
}, 240_000);

it('a start after a crashed one is not blocked by the migration lock the crash left behind', async () => {
  const databaseUrl = await freshDatabase();
  await inDatabase(databaseUrl, async (database) => {
    // What a process killed mid-migration, or two first starts racing, leave in knex's lock table.
    await database.schema.createTable('knex_migrations_lock', (table) => {
      table.increments('index').primary();
      table.integer('is_locked');
    });
    await database('knexMigrationsLock').insert([{ isLocked: 1 }, { isLocked: 1 }]);
  });
  const copy = await startCopy(databaseUrl);
  expect((await fetch(`${copy.url}/readyz`)).status).toBe(200);
  expect(copy.output()).toContain('applied migrations');
}, 120_000);
