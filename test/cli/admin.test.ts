import { randomBytes } from 'node:crypto';
import { createDatabase } from '../../server/db/knex';
import { createUser, unique } from '../factories';
import { withDatabase } from '../support/connectionStrings';
import { useTestDatabase } from '../support/database';
import { tokenOf } from '../support/mailbox';
import { startTestApp, type TestApp } from '../support/testApp';
import { runOperatorCommand, type CommandRun } from '../support/operatorCommand';

/**
 * `npm run admin`, run as an operator runs it: a real process on the database of the service, from an
 * install with nobody in it. The link it prints is followed through the API, as a browser would.
 */
const db = useTestDatabase();
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

const PUBLIC_URL = 'https://billing.example.test';

function runAdmin(args: string[], databaseUrl = db.connectionString): Promise<CommandRun> {
  return runOperatorCommand('admin', args, { DATABASE_URL: databaseUrl, PUBLIC_URL });
}

const linkIn = (output: string) => /https?:\/\/\S+/.exec(output)?.[0] ?? '';

async function signIn(email: string, password: string) {
  return app.graphql('mutation($input: SignInInput!) { signIn(input: $input) { user { email } } }', {
    input: { email, password },
  });
}

describe('npm run admin -- create', () => {
  it('creates a platform admin whose printed link sets a password and signs in, once', async () => {
    const email = `${unique('operator')}@example.com`;
    const run = await runAdmin(['create', '--email', email, '--name', 'Olga Operator']);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(`Created the platform admin ${email}.`);
    const link = linkIn(run.stdout);
    expect(link).toMatch(new RegExp(`^${PUBLIC_URL}/reset-password\\?token=`));
    expect(await db.knex('users').where({ email })).toEqual([
      expect.objectContaining({ name: 'Olga Operator', isPlatformAdmin: true, passwordHash: null }),
    ]);
    // Only the token's hash is kept (decision 025).
    expect(JSON.stringify(await db.knex('passwordResetTokens').select('*'))).not.toContain(tokenOf(link));

    const reset = await app.graphql(
      'mutation($input: ResetPasswordInput!) { resetPassword(input: $input) }',
      {
        input: { token: tokenOf(link), password: 'the operator password' },
      },
    );
    expect(reset.data).toEqual({ resetPassword: true });
    const signedIn = await signIn(email, 'the operator password');
    expect(signedIn.errors).toBeUndefined();
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const viewer = await app.graphql('{ viewer { isPlatformAdmin } }', {}, { cookie });
    expect(viewer.data).toEqual({ viewer: { isPlatformAdmin: true } });

    const reused = await app.graphql(
      'mutation($input: ResetPasswordInput!) { resetPassword(input: $input) }',
      {
        input: { token: tokenOf(link), password: 'someone else password' },
      },
    );
    expect(reused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('creates nobody twice: a second run says so and prints a new link', async () => {
    const email = `${unique('twice')}@example.com`;
    const first = await runAdmin(['create', '--email', email]);
    const second = await runAdmin(['create', '--email', email.toUpperCase()]);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain('is already a platform admin; nothing changed.');
    expect(linkIn(second.stdout)).not.toBe(linkIn(first.stdout));
    const users = await db.knex('users').whereRaw('lower(email) = lower(?)', [email]);
    expect(users).toHaveLength(1);
    const grants = await db
      .knex('auditLog')
      .where({ action: 'user.platform_admin_granted', targetId: users[0].id });
    expect(grants).toHaveLength(1);
  });

  it('makes an existing login a platform admin, keeping its password', async () => {
    const user = await createUser({ password: 'their own password' });
    const run = await runAdmin(['create', '--email', user.email]);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(`${user.email} already had a login; it is now a platform admin.`);
    expect(await db.knex('users').where({ id: user.id }).first()).toMatchObject({ isPlatformAdmin: true });
    expect((await signIn(user.email, 'their own password')).errors).toBeUndefined();
  });

  it.each([
    [['create', '--email', 'not-an-address'], 'Invalid input: email: is not an email address'],
    [['create'], 'create needs --email <address>.'],
    [['create', '--email'], "Option '--email <value>' argument missing"],
    [['create', '--email', 'a@example.com', '--admin'], "Unknown option '--admin'"],
    [['delete', '--email', 'a@example.com'], 'Unknown command "delete".'],
  ])('refuses %j with a clear message, exit code 2, and writes nothing', async (args, message) => {
    const users = await db.knex('users').count({ count: '*' }).first();
    const run = await runAdmin(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(await db.knex('users').count({ count: '*' }).first()).toEqual(users);
  });
});

describe('npm run admin -- list', () => {
  it('lists the platform admins and whether they have chosen a password', async () => {
    const email = `${unique('listed')}@example.com`;
    await runAdmin(['create', '--email', email, '--name', 'Listed']);
    const run = await runAdmin(['list']);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(
      new RegExp(`^${email}\\tListed\\tno password yet\\tsince \\d{4}-\\d\\d-\\d\\d$`, 'm'),
    );
  });
});

describe('on a database that was never migrated', () => {
  it('migrates it first, as the service does at start, then creates the admin', async () => {
    const maintenanceUrl = process.env.TEST_DATABASE_URL!;
    const name = `billing_test_blank_${randomBytes(4).toString('hex')}`;
    const maintenance = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
    await maintenance.raw(`create database ${name}`);
    const blank = createDatabase({ connectionString: withDatabase(maintenanceUrl, name), poolMax: 1 });
    try {
      const run = await runAdmin(
        ['create', '--email', 'first@example.com'],
        withDatabase(maintenanceUrl, name),
      );
      expect(run).toMatchObject({ code: 0 });
      expect(run.stderr).toMatch(/Applied \d+ migrations to the database\./);
      expect(await blank('users').where({ email: 'first@example.com', isPlatformAdmin: true })).toHaveLength(
        1,
      );
    } finally {
      await blank.destroy();
      await maintenance.raw(`drop database if exists ${name} with (force)`);
      await maintenance.destroy();
    }
  });
});
