import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase, type Database } from '../../server/db/knex';
import { withDatabase } from '../support/connectionStrings';
import { runOperatorCommand, type CommandRun } from '../support/operatorCommand';

/**
 * `npm run db:status` and `npm run db:migrate`, as an operator runs them during an upgrade: a real
 * process on a database that was never migrated, then migrated, then current.
 */
const root = join(__dirname, '../..');
const maintenanceUrl = process.env.TEST_DATABASE_URL!;
const name = `billing_test_db_cli_${randomBytes(4).toString('hex')}`;
const databaseUrl = withDatabase(maintenanceUrl, name);
const migrationCount = readdirSync(join(root, 'migrations')).filter((file) => file.endsWith('.ts')).length;
let maintenance: Database;

beforeAll(async () => {
  maintenance = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
  await maintenance.raw(`create database ${name}`);
});

afterAll(async () => {
  await maintenance.raw(`drop database if exists ${name} with (force)`);
  await maintenance.destroy();
});

function runDatabaseCommand(args: string[]): Promise<CommandRun> {
  return runOperatorCommand('database', args, { DATABASE_URL: databaseUrl });
}

it('reports pending migrations (exit 3), applies them, then reports none (exit 0)', async () => {
  const before = await runDatabaseCommand(['status']);
  expect(before.code).toBe(3);
  expect(before.stdout).toContain(`0 migrations applied, ${migrationCount} pending.`);
  expect(before.stdout).toContain('pending 20260101000100_database_conventions.ts');

  const migrated = await runDatabaseCommand(['migrate']);
  expect(migrated.code).toBe(0);
  expect(migrated.stdout.trim().split('\n')).toHaveLength(migrationCount);

  const after = await runDatabaseCommand(['status']);
  expect(after).toMatchObject({ code: 0, stdout: `${migrationCount} migrations applied, 0 pending.\n` });
  expect((await runDatabaseCommand(['migrate'])).stdout).toBe('Nothing to apply.\n');
}, 60_000);

it('refuses an unknown command with its usage (exit 2), touching nothing', async () => {
  const run = await runDatabaseCommand(['drop']);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('Unknown command "drop".');
  expect(run.stderr).toContain('npm run db:status');
});
