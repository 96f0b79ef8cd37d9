import {
  createAccount,
  createDemoCatalog,
  createMember,
  createPartnerKey,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type Caller, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let partner: Caller;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  partner = { apiKey: (await createPartnerKey({ scopes: ['usage:write'] })).secret };
});
afterAll(() => app.close());

const RECORD = `mutation($input: RecordUsageInput!) {
  recordUsage(input: $input) { accepted duplicates rejected errors { index code field message } }
}`;

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const event = (accountId: string, overrides: Record<string, unknown> = {}) => ({
  accountId,
  meterKey: 'api_calls',
  quantity: 3,
  occurredAt: minutesAgo(10),
  idempotencyKey: unique('evt'),
  ...overrides,
});

async function storedEvents(accountId: string) {
  return db.knex('usage_events').where({ accountId }).orderBy('id');
}

describe('recording usage', () => {
  it('stores each event once, counting repeats within the batch and across calls as duplicates', async () => {
    const account = await createAccount();
    const first = event(account.id, { idempotencyKey: 'evt-1' });
    const batch = [first, event(account.id, { idempotencyKey: 'evt-2' }), { ...first, quantity: 99 }];

    const once = await app.graphql(RECORD, { input: { events: batch } }, partner);
    expect(once.data!.recordUsage).toEqual({ accepted: 2, duplicates: 1, rejected: 0, errors: [] });
    const again = await app.graphql(RECORD, { input: { events: batch } }, partner);
    expect(again.data!.recordUsage).toEqual({ accepted: 0, duplicates: 3, rejected: 0, errors: [] });

    const stored = await storedEvents(account.id);
    expect(stored.map((row) => [row.idempotencyKey, row.quantity])).toEqual([
      ['evt-1', 3],
      ['evt-2', 3],
    ]);
    const [hourly] = await db.knex('usage_rollups').where({ accountId: account.id, granularity: 'hour' });
    expect(hourly).toMatchObject({ eventCount: 2, sumQuantity: 6 });
  });

  it('names accounts by external id, and keeps keys apart per account', async () => {
    const [one, two] = [await createAccount({ externalId: unique('ext') }), await createAccount()];
    const events = [
      event(one.id, { idempotencyKey: 'shared' }),
      event(two.id, { idempotencyKey: 'shared' }),
      {
        ...event(one.id, { idempotencyKey: 'by-external' }),
        accountId: undefined,
        externalId: one.externalId,
      },
    ];
    const { data } = await app.graphql(RECORD, { input: { events } }, partner);
    expect(data!.recordUsage).toMatchObject({ accepted: 3, duplicates: 0 });
    expect((await storedEvents(one.id)).map((row) => row.idempotencyKey).sort()).toEqual([
      'by-external',
      'shared',
    ]);
    expect((await storedEvents(two.id)).map((row) => row.idempotencyKey)).toEqual(['shared']);
  });

  it('reports each bad event by its index and keeps the good ones', async () => {
    const account = await createAccount();
    const events = [
      event(account.id),
      event(account.id, { occurredAt: minutesAgo(36 * 24 * 60) }),
      event(account.id, { occurredAt: minutesAgo(-6) }),
      event(account.id, { meterKey: 'no_such_meter' }),
      event(account.id, { quantity: -1 }),
      event('00000000-0000-4000-8000-000000000000'),
      event(account.id, { idempotencyKey: '' }),
      { ...event(account.id), externalId: 'both-given' },
      event(account.id, { properties: { user_id: 42 } }),
      event(account.id, {
        occurredAt: minutesAgo(35 * 24 * 60 - 1),
        quantity: 0,
        properties: { user_id: 'u_42' },
      }),
    ];
    const { data, errors } = await app.graphql(RECORD, { input: { events } }, partner);
    expect(errors).toBeUndefined();
    expect(data!.recordUsage).toMatchObject({ accepted: 2, duplicates: 0, rejected: 8 });
    expect(data!.recordUsage.errors).toEqual([
      {
        index: 1,
        code: 'BAD_USER_INPUT',
        field: 'occurredAt',
        message: expect.stringContaining('more than 35 days ago'),
      },
      {
        index: 2,
        code: 'BAD_USER_INPUT',
        field: 'occurredAt',
        message: expect.stringContaining('5 minutes in the future'),
      },
      {
        index: 3,
        code: 'BAD_USER_INPUT',
        field: 'meterKey',
        message: expect.stringContaining('no_such_meter is not an active meter'),
      },
      { index: 4, code: 'BAD_USER_INPUT', field: 'quantity', message: 'quantity: must be 0 or more' },
      { index: 5, code: 'NOT_FOUND', field: 'accountId', message: 'accountId: no such account' },
      { index: 6, code: 'BAD_USER_INPUT', field: 'idempotencyKey', message: 'idempotencyKey: is required' },
      {
        index: 7,
        code: 'BAD_USER_INPUT',
        field: 'accountId',
        message: expect.stringContaining('exactly one of accountId or externalId'),
      },
      {
        index: 8,
        code: 'BAD_USER_INPUT',
        field: 'properties.user_id',
        message: 'properties.user_id: values must be strings',
      },
    ]);
    const stored = await storedEvents(account.id);
    expect(stored.map((row) => row.properties)).toHaveLength(2);
    expect(stored.map((row) => row.properties)).toEqual(expect.arrayContaining([{}, { user_id: 'u_42' }]));

    const notAnObject = await app.graphql(
      RECORD,
      { input: { events: [event(account.id, { properties: ['user_id'] })] } },
      partner,
    );
    expect(notAnObject.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a batch of more than 1,000 events as a whole, storing nothing', async () => {
    const account = await createAccount();
    const events = Array.from({ length: 1001 }, () => event(account.id));
    const { errors } = await app.graphql(RECORD, { input: { events } }, partner);
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { events: expect.stringContaining('1000') },
    });
    expect(await storedEvents(account.id)).toEqual([]);

    const full = await app.graphql(RECORD, { input: { events: events.slice(0, 1000) } }, partner);
    expect(full.data!.recordUsage).toMatchObject({ accepted: 1000, rejected: 0 });
  });
});

describe('who may record usage', () => {
  it('needs the usage:write scope and a key that can see the account', async () => {
    const account = await createAccount();
    const other = await createAccount();
    const boundKey = {
      apiKey: (await createPartnerKey({ scopes: ['usage:write'], accountId: account.id })).secret,
    };
    const withoutScope = {
      apiKey: (await createPartnerKey({ scopes: ['usage:read', 'credits:write'] })).secret,
    };

    const bound = await app.graphql(
      RECORD,
      { input: { events: [event(account.id), event(other.id)] } },
      boundKey,
    );
    expect(bound.data!.recordUsage).toMatchObject({
      accepted: 1,
      rejected: 1,
      errors: [{ index: 1, code: 'NOT_FOUND' }],
    });

    const refused = await app.graphql(RECORD, { input: { events: [event(account.id)] } }, withoutScope);
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining('usage:write'),
    });
    expect(await storedEvents(other.id)).toEqual([]);
    expect(await storedEvents(account.id)).toHaveLength(1);
  });

  it('refuses members of the account and visitors, and lets platform admins record', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    expect(
      (await app.graphql(RECORD, { input: { events: [event(account.id)] } }, { cookie })).errors?.[0]
        ?.extensions.code,
    ).toBe('FORBIDDEN');
    expect(
      (await app.graphql(RECORD, { input: { events: [event(account.id)] } })).errors?.[0]?.extensions.code,
    ).toBe('UNAUTHENTICATED');
    expect(await storedEvents(account.id)).toEqual([]);

    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    expect(
      (await app.graphql(RECORD, { input: { events: [event(account.id)] } }, admin)).data!.recordUsage
        .accepted,
    ).toBe(1);
  });
});
