import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDatabase, type Database } from '../../server/db/knex';
import { reachableDataDir } from '../../server/db/embeddedPostgres';
import { withDatabase } from '../support/connectionStrings';
import { runOperatorCommand } from '../support/operatorCommand';
import { startServiceProcess } from '../support/serviceProcess';

/**
 * `npm run db:backup` and `db:restore` as an operator runs them, for both kinds of database: the
 * embedded Postgres (its data folder, archived while the service is stopped) and a DATABASE_URL (pg_dump,
 * when the installed one can dump the server). Data written after a backup is gone after restoring it.
 */
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'billing-backup-'));
  // Run as root, Postgres runs as its own system user, which must be able to enter this folder.
  await chmod(directory, 0o755);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
});

describe('with the embedded Postgres', () => {
  const embedded = () => ({
    EMBEDDED_POSTGRES_DIR: join(directory, 'postgres'),
    PUBLIC_URL: 'http://localhost',
  });
  const admins = async () => (await runOperatorCommand('admin', ['list'], embedded())).stdout;

  it('restores the data folder as it was at the backup, keeping what it replaced', async () => {
    expect(
      (await runOperatorCommand('admin', ['create', '--email', 'before@example.com'], embedded())).code,
    ).toBe(0);
    const file = join(directory, 'embedded.tar.gz');
    const backup = await runOperatorCommand('database', ['backup', '--file', file], embedded());
    expect(backup).toMatchObject({ code: 0, stdout: `Backed up to ${file}.\n` });

    expect(
      (await runOperatorCommand('admin', ['create', '--email', 'after@example.com'], embedded())).code,
    ).toBe(0);
    expect(await admins()).toContain('after@example.com');

    const restore = await runOperatorCommand('database', ['restore', '--file', file], embedded());
    expect(restore.code).toBe(0);
    expect(restore.stderr).toMatch(/The data it replaced is kept at \S+\.before-restore-/);
    const listed = await admins();
    expect(listed).toContain('before@example.com');
    expect(listed).not.toContain('after@example.com');
    const dataParent = join(reachableDataDir(join(directory, 'postgres')), '..');
    expect((await readdir(dataParent)).some((entry) => entry.includes('.before-restore-'))).toBe(true);
  }, 120_000);

  it('refuses while the service runs the cluster, and changes nothing', async () => {
    // The service itself, on the embedded Postgres (an empty DATABASE_URL counts as unset).
    const service = await startServiceProcess({ databaseUrl: '', directory, env: embedded() });
    try {
      const file = join(directory, 'while-running.tar.gz');
      const backup = await runOperatorCommand('database', ['backup', '--file', file], embedded());
      expect(backup.code).toBe(1);
      expect(backup.stderr).toMatch(/is running\. Stop the service, back it up, then start it again/);
      expect(existsSync(file)).toBe(false);
      // Any file: whether the cluster runs is checked before the archive is read.
      const someFile = join(directory, 'some-backup.tar.gz');
      await writeFile(someFile, 'not read');
      const restore = await runOperatorCommand('database', ['restore', '--file', someFile], embedded());
      expect(restore.code).toBe(1);
      expect(restore.stderr).toMatch(/is running\. Stop the service, restore it/);
    } finally {
      await service.stop();
    }
  }, 60_000);

  it('refuses a file that is not a backup, and one that does not exist, changing nothing', async () => {
    const notABackup = join(directory, 'not-a-backup.tar.gz');
    await promisify(execFile)('sh', ['-c', `echo hello | gzip > ${notABackup}`]);
    for (const file of [notABackup, join(directory, 'missing.tar.gz')]) {
      const run = await runOperatorCommand('database', ['restore', '--file', file], embedded());
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/is not a backup of the embedded Postgres|There is no backup at/);
    }
    expect(await admins()).toContain('before@example.com');
  }, 60_000);

  it('refuses a command line it does not understand (exit 2)', async () => {
    for (const args of [['restore'], ['backup', '--replace'], ['backup', '--fil', 'x']]) {
      const run = await runOperatorCommand('database', args, embedded());
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('npm run db:restore');
    }
  });
});

describe('with DATABASE_URL', () => {
  const maintenanceUrl = process.env.TEST_DATABASE_URL!;
  const names = [1, 2].map(() => `billing_backup_${randomBytes(4).toString('hex')}`);
  let maintenance: Database;

  beforeAll(async () => {
    maintenance = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
    for (const name of names) await maintenance.raw(`create database ${name}`);
  });
  afterAll(async () => {
    for (const name of names) await maintenance.raw(`drop database if exists ${name} with (force)`);
    await maintenance.destroy();
  });

  /** The installed pg_dump's major version, or 0 when there is none. */
  async function installedPgDump(): Promise<number> {
    try {
      const { stdout } = await promisify(execFile)('pg_dump', ['--version']);
      return Number(/(\d+)/.exec(stdout)![1]);
    } catch {
      return 0;
    }
  }

  it('dumps and restores with pg_dump when it can dump this server, and says what to install when not', async () => {
    const [source, target] = names.map((name) => withDatabase(maintenanceUrl, name)) as [string, string];
    expect(
      (
        await runOperatorCommand('admin', ['create', '--email', 'dumped@example.com'], {
          DATABASE_URL: source,
          PUBLIC_URL: 'http://localhost',
        })
      ).code,
    ).toBe(0);
    const [{ server_version_num: serverVersion }] = (await maintenance.raw('show server_version_num')).rows;
    const serverMajor = Math.floor(Number(serverVersion) / 10000);
    const file = join(directory, 'external.dump');
    const backup = await runOperatorCommand('database', ['backup', '--file', file], { DATABASE_URL: source });

    if ((await installedPgDump()) < serverMajor) {
      expect(backup.code).toBe(1);
      expect(backup.stderr).toMatch(
        new RegExp(
          `(is version \\d+ and the database is Postgres ${serverMajor}|pg_dump is not installed).*postgresql-client`,
        ),
      );
      expect(existsSync(file)).toBe(false);
      return;
    }
    expect(backup.code).toBe(0);
    const restored = await runOperatorCommand('database', ['restore', '--file', file], {
      DATABASE_URL: target,
    });
    expect(restored.code).toBe(0);
    const copy = createDatabase({ connectionString: target, poolMax: 1 });
    try {
      expect(await copy('users').where({ email: 'dumped@example.com' })).toHaveLength(1);
    } finally {
      await copy.destroy();
    }
    const again = await runOperatorCommand('database', ['restore', '--file', file], { DATABASE_URL: target });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('add --replace');
  }, 120_000);
});
