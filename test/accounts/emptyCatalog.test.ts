import { Writable } from 'node:stream';
import { NO_DEFAULT_PLAN_AT_START, reportCatalogReadiness } from '../../server/admin/catalogReadiness';
import { createLogger } from '../../server/logger';
import { createPartnerKey, ensureDefaultPlan, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { deliverOutbox, linkIn, tokenOf } from '../support/mailbox';
import { startTestApp, type TestApp } from '../support/testApp';

/**
 * A fresh install has an empty catalog, and every new account starts on the default plan: until there
 * is one, sign-up and partner provisioning refuse with NO_DEFAULT_PLAN and write nothing, and the
 * service says so when it starts.
 */
const db = useTestDatabase();
let app: TestApp;
let partnerKey: string;
beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
  partnerKey = (await createPartnerKey({ scopes: ['accounts:write', 'accounts:read'] })).secret;
});
afterAll(() => app.close());

const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) }';
const CONFIRM = 'mutation($token: String!) { confirmSignUp(token: $token) { account { name } } }';
const UPSERT =
  'mutation($input: UpsertAccountInput!) { upsertAccount(input: $input) { created account { externalId } } }';

const signUp = (email: string) =>
  app.graphql(SIGN_UP, {
    input: { email, password: 'a long enough password', name: 'Ada', accountName: 'Engines' },
  });
const provision = (externalId: string) =>
  app.graphql(UPSERT, { input: { externalId, name: 'Partner customer' } }, { apiKey: partnerKey });

/** Rows of every table a sign-up or a provisioning writes to. */
async function writtenRows() {
  const tables = ['users', 'signUpRequests', 'notifications', 'accounts', 'subscriptions', 'auditLog'];
  return Object.fromEntries(
    await Promise.all(
      tables.map(async (table) => [
        table,
        Number((await db.knex(table).count({ count: '*' }).first())!.count),
      ]),
    ),
  ) as Record<string, number>;
}

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

const NO_DEFAULT_PLAN = expect.objectContaining({
  message: expect.stringContaining('the catalog has no default plan'),
  extensions: expect.objectContaining({ code: 'NO_DEFAULT_PLAN' }),
});

describe('with an empty catalog', () => {
  it('says so at start, in one warning that tells the operator what to do', async () => {
    const { logger, lines } = capturingLogger();
    expect(await reportCatalogReadiness({ logger })).toBe(false);
    expect(lines.map((line) => JSON.parse(line) as { level: number; msg: string })).toEqual([
      expect.objectContaining({ level: 40, msg: NO_DEFAULT_PLAN_AT_START }),
    ]);
    expect(NO_DEFAULT_PLAN_AT_START).toContain('npm run admin -- create --email');
  });

  it('refuses a sign-up with NO_DEFAULT_PLAN, queuing no email and writing nothing', async () => {
    const before = await writtenRows();
    const answer = await signUp(`${unique('early')}@example.com`);
    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([NO_DEFAULT_PLAN]);
    expect(await writtenRows()).toEqual(before);
  });

  it('still checks the input first, naming the fields', async () => {
    const answer = await signUp('not an address');
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { email: 'is not an email address' },
    });
  });

  it('refuses a partner creating an account with NO_DEFAULT_PLAN, writing nothing', async () => {
    const before = await writtenRows();
    const answer = await provision(unique('org'));
    expect(answer.data).toBeNull();
    expect(answer.errors).toEqual([NO_DEFAULT_PLAN]);
    expect(await writtenRows()).toEqual(before);
  });
});

describe('once a default plan exists', () => {
  it('accepts sign-ups and provisioning, and the start is quiet', async () => {
    await ensureDefaultPlan();
    const { logger, lines } = capturingLogger();
    expect(await reportCatalogReadiness({ logger })).toBe(true);
    expect(lines).toEqual([]);

    const address = `${unique('later')}@example.com`;
    expect((await signUp(address)).data).toEqual({ signUp: true });
    const [email] = (await deliverOutbox()).filter((sent) => sent.to === address);
    const confirmed = await app.graphql(CONFIRM, { token: tokenOf(linkIn(email, '/signup/confirm')) });
    expect(confirmed.data).toEqual({ confirmSignUp: { account: { name: 'Engines' } } });

    const externalId = unique('org');
    expect((await provision(externalId)).data).toEqual({
      upsertAccount: { created: true, account: { externalId } },
    });
  });

  it('keeps a sign-up link working when the default plan went away before it was followed', async () => {
    const address = `${unique('between')}@example.com`;
    await signUp(address);
    const [email] = (await deliverOutbox()).filter((sent) => sent.to === address);
    const token = tokenOf(linkIn(email, '/signup/confirm'));

    await db.knex('plans').where({ isDefault: true }).update({ isDefault: false });
    const refused = await app.graphql(CONFIRM, { token });
    expect(refused.errors).toEqual([NO_DEFAULT_PLAN]);
    expect(await db.knex('users').where({ email: address })).toEqual([]);

    await db.knex('plans').where({ key: 'free' }).update({ isDefault: true });
    expect((await app.graphql(CONFIRM, { token })).data).toEqual({
      confirmSignUp: { account: { name: 'Engines' } },
    });
  });
});
