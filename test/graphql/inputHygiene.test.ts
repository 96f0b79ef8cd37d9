import { API_SCOPES } from '../../server/auth/scopes';
import {
  createAccount,
  createMember,
  createPartnerKey,
  createUser,
  ensureDefaultPlan,
  sessionCookieFor,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type Caller, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let admin: Caller;
let partner: Caller;

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
  await ensureDefaultPlan();
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
  partner = { apiKey: (await createPartnerKey({ scopes: [...API_SCOPES] })).secret };
});
afterAll(() => app.close());

const UPSERT = `mutation($input: UpsertAccountInput!) { upsertAccount(input: $input) { account { id name } } }`;
const base64url = (text: string) => Buffer.from(text).toString('base64url');

async function expectRefusedInput(
  operation: string,
  variables: Record<string, unknown>,
  caller: Caller,
  field: string,
  problem: RegExp,
) {
  const { status, data, errors } = await app.graphql(operation, variables, caller);
  expect(errors).toEqual([
    expect.objectContaining({
      extensions: { code: 'BAD_USER_INPUT', fieldErrors: { [field]: expect.stringMatching(problem) } },
    }),
  ]);
  expect(status).toBe(400);
  expect(data ?? null).toBeNull();
}

async function rowCounts(tables: string[]) {
  return Object.fromEntries(
    await Promise.all(
      tables.map(async (table) => [table, Number((await db.knex(table).count({ count: '*' }))[0]!.count)]),
    ),
  );
}

describe('input hygiene at the edge', () => {
  it('refuses a NUL character in any text, naming the field, and writes nothing', async () => {
    const before = await rowCounts(['accounts', 'audit_log', 'sign_in_failures']);
    await expectRefusedInput(
      UPSERT,
      { input: { externalId: 'org_nul', name: 'Acme\u0000Corp' } },
      partner,
      'name',
      /NUL/,
    );
    await expectRefusedInput(
      'mutation($input: SignInInput!) { signIn(input: $input) { user { id } } }',
      { input: { email: 'owner\u0000@example.com', password: 'whatever it is' } },
      {},
      'email',
      /NUL/,
    );
    await expectRefusedInput(
      'query($key: String!) { entitlement(externalId: "org_nul", featureKey: $key) { allowed } }',
      { key: 'projects\u0000' },
      partner,
      'featureKey',
      /NUL/,
    );
    expect(await rowCounts(['accounts', 'audit_log', 'sign_in_failures'])).toEqual(before);
  });

  it('refuses a lone UTF-16 surrogate, and keeps well-formed text beyond the basic plane', async () => {
    const { externalId, id } = await createAccount({ name: 'Acme' });
    const auditBefore = await rowCounts(['audit_log']);
    await expectRefusedInput(
      UPSERT,
      { input: { externalId, name: 'Acme \ud83d' } },
      partner,
      'name',
      /surrogate/,
    );
    await expectRefusedInput(
      UPSERT,
      { input: { externalId, name: '\ude80 Acme' } },
      partner,
      'name',
      /surrogate/,
    );
    expect(await rowCounts(['audit_log'])).toEqual(auditBefore);

    const { data, errors } = await app.graphql(UPSERT, { input: { externalId, name: 'Acme 🚀' } }, partner);
    expect(errors).toBeUndefined();
    expect(data!.upsertAccount.account.name).toBe('Acme 🚀');
    const audit = await db.knex('audit_log').where({ accountId: id, action: 'account.updated' }).first();
    expect(audit.details).toMatchObject({ name: 'Acme 🚀' });
  });

  it('refuses ids that are not ids, in literals and variables alike', async () => {
    await expectRefusedInput('mutation { revokeApiKey(id: "x") { id } }', {}, admin, 'id', /is not an id/);
    await expectRefusedInput(
      '{ notifications(accountId: "x") { edges { cursor } } }',
      {},
      admin,
      'accountId',
      /is not an account id/,
    );
    await expectRefusedInput(
      'query($id: ID) { account(id: $id) { id } }',
      { id: 42 },
      partner,
      'id',
      /is not an id/,
    );
    await expectRefusedInput(
      'mutation($id: ID!) { replayStripeEvent(id: $id) { id } }',
      { id: '00000000-0000-0000-0000-000000000000' },
      admin,
      'id',
      /Stripe event id/,
    );
    // One malformed id in a usage batch is a malformed request: none of its events is stored.
    const account = await createAccount();
    const event = (index: number, accountId: string) => ({
      accountId,
      meterKey: 'api_calls',
      quantity: 1,
      occurredAt: new Date().toISOString(),
      idempotencyKey: `hygiene-${index}`,
    });
    await expectRefusedInput(
      'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted } }',
      { input: { events: [event(0, account.id), event(1, 'not-an-id')] } },
      partner,
      'events.1.accountId',
      /is not an account id/,
    );
    expect(await rowCounts(['usage_events'])).toEqual({ usage_events: 0 });
  });

  it('refuses cursors this API did not hand out', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const owner = { cookie };
    const crafted = [
      'not a cursor',
      base64url(JSON.stringify(['2026-01-01T00:00:00.000Z', 'not-a-uuid'])),
      base64url(JSON.stringify(['-271821-04-20T00:00:00.000Z', account.id])),
      base64url(JSON.stringify(['2026-02-30T00:00:00.000Z', account.id])),
      base64url(JSON.stringify([{}, account.id])),
      base64url('ledger:99999999999999999'),
      '99999999999999999999999',
    ];
    const connections: Array<[string, Caller]> = [
      [
        'query($id: ID, $after: String) { account(id: $id) { invoices(after: $after) { edges { cursor } } } }',
        owner,
      ],
      [
        'query($id: ID, $after: String) { account(id: $id) { payments(after: $after) { edges { cursor } } } }',
        owner,
      ],
      [
        'query($id: ID, $after: String) { account(id: $id) { creditLedger(after: $after) { edges { cursor } } } }',
        owner,
      ],
      [
        'query($id: ID, $after: String) { account(id: $id) { auditLog(after: $after) { edges { cursor } } } }',
        admin,
      ],
      ['query($after: String) { stripeEvents(after: $after) { edges { cursor } } }', admin],
      ['query($after: String) { notifications(after: $after) { edges { cursor } } }', admin],
      ['query($after: String) { adminAccounts(after: $after) { edges { cursor } } }', admin],
    ];
    for (const [operation, caller] of connections) {
      for (const after of crafted) {
        const { status, errors } = await app.graphql(operation, { id: account.id, after }, caller);
        expect({ operation, after, status, errors }).toEqual({
          operation,
          after,
          status: expect.any(Number),
          errors: [
            expect.objectContaining({
              extensions: {
                code: 'BAD_USER_INPUT',
                fieldErrors: { after: 'is not a cursor returned by this API' },
              },
            }),
          ],
        });
        expect(status).toBeLessThan(500);
      }
    }
  });

  it('refuses dates that do not exist instead of moving them', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const create = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { expiresAt } } }`;
    for (const expiresAt of [
      '2026-02-30T00:00:00Z',
      '2026-04-31T12:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-13-01T00:00:00Z',
    ]) {
      await expectRefusedInput(
        create,
        { input: { name: 'Dated', scopes: ['ACCOUNTS_READ'], accountId: account.id, expiresAt } },
        { cookie },
        'expiresAt',
        /is not a real date and time/,
      );
    }
    const literal = await app.graphql(
      `mutation { createApiKey(input: { name: "Dated", scopes: [ACCOUNTS_READ], accountId: "${account.id}", expiresAt: "2026-02-30T00:00:00Z" }) { secret } }`,
      {},
      { cookie },
    );
    expect(literal.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringContaining('is not a real date and time'),
    });
    expect(await db.knex('api_keys').where({ accountId: account.id }).count({ count: '*' })).toEqual([
      { count: 0 },
    ]);

    const leapDay = await app.graphql(
      create,
      {
        input: {
          name: 'Leap',
          scopes: ['ACCOUNTS_READ'],
          accountId: account.id,
          expiresAt: '2028-02-29T23:30:00-05:00',
        },
      },
      { cookie },
    );
    expect(leapDay.data!.createApiKey.apiKey.expiresAt).toBe('2028-03-01T04:30:00.000Z');
  });
});
