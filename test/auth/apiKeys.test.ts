import { ApiKey } from '../../server/auth/ApiKey';
import { hashToken } from '../../server/auth/secrets';
import { ManualClock, useClock } from '../../server/clock';
import { onChange } from '../../server/db/changeNotifications';
import { createAccount, createMember, createUser, sessionCookieFor } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id prefix scopes accountId revokedAt } } }`;
const READ_ACCOUNT = 'query($id: ID) { account(id: $id) { id } }';

describe('partner API keys', () => {
  it('are shown once and stored only as a hash with a public prefix', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const { data, errors } = await app.graphql(
      CREATE,
      { input: { name: 'Backend', scopes: ['ACCOUNTS_READ', 'BILLING_READ'], accountId: account.id } },
      { cookie },
    );
    expect(errors).toBeUndefined();
    const { secret, apiKey } = data!.createApiKey;
    expect(secret).toMatch(/^bsk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(`${apiKey.prefix}_`)).toBe(true);
    expect(apiKey).toMatchObject({
      scopes: ['ACCOUNTS_READ', 'BILLING_READ'],
      accountId: account.id,
      revokedAt: null,
    });

    const row = await db.knex('api_keys').where({ id: apiKey.id }).first();
    // The secret part may itself hold underscores: it is all that follows the public prefix.
    expect(JSON.stringify(row)).not.toContain(secret.slice(apiKey.prefix.length + 1));
    expect(row.secretHash).toBe(hashToken(secret));

    const listed = await app.graphql(
      'query($id: ID) { account(id: $id) { apiKeys { id prefix } } }',
      { id: account.id },
      { cookie },
    );
    expect(JSON.stringify(listed.data)).not.toContain(secret);

    const audit = await db
      .knex('audit_log')
      .where({ action: 'api_key.created', targetId: apiKey.id })
      .first();
    expect(audit).toMatchObject({ accountId: account.id, actorType: 'user' });
  });

  it('authenticate partner calls within their scopes and account', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const { data } = await app.graphql(
      CREATE,
      { input: { name: 'Reader', scopes: ['ACCOUNTS_READ'], accountId: account.id } },
      { cookie },
    );
    const apiKey = data!.createApiKey.secret as string;

    expect((await app.graphql(READ_ACCOUNT, { id: account.id }, { apiKey })).data!.account.id).toBe(
      account.id,
    );
    const outOfScope = await app.graphql(
      'query($id: ID) { account(id: $id) { creditBalance { milliCredits } } }',
      { id: account.id },
      { apiKey },
    );
    expect(outOfScope.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining('credits:read'),
    });
    const otherAccount = await createAccount();
    expect(
      (await app.graphql(READ_ACCOUNT, { id: otherAccount.id }, { apiKey })).errors?.[0]?.extensions.code,
    ).toBe('NOT_FOUND');
  });

  it('stop working the moment they are revoked, and a revoked key stays revoked', async () => {
    const { account, cookie } = await createMember({ role: 'admin' });
    const created = await app.graphql(
      CREATE,
      { input: { name: 'Soon gone', scopes: ['ACCOUNTS_READ'], accountId: account.id } },
      { cookie },
    );
    const { secret, apiKey } = created.data!.createApiKey;
    expect((await app.graphql(READ_ACCOUNT, { id: account.id }, { apiKey: secret })).errors).toBeUndefined();

    const revoked = await app.graphql(
      'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
      { id: apiKey.id },
      { cookie },
    );
    expect(revoked.data!.revokeApiKey.revokedAt).toEqual(expect.any(String));

    const refused = await app.graphql(READ_ACCOUNT, { id: account.id }, { apiKey: secret });
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');

    const again = await app.graphql(
      'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
      { id: apiKey.id },
      { cookie },
    );
    expect(again.data!.revokeApiKey.revokedAt).toBe(revoked.data!.revokeApiKey.revokedAt);
  });

  it('stop working in this process when another process revokes them', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const created = await app.graphql(
      CREATE,
      { input: { name: 'Cached', scopes: ['ACCOUNTS_READ'], accountId: account.id } },
      { cookie },
    );
    const { secret, apiKey } = created.data!.createApiKey;
    expect((await app.graphql(READ_ACCOUNT, { id: account.id }, { apiKey: secret })).status).toBe(200);
    // Another process revokes it: only the database's change notification can tell this one. The test
    // hears it after the key cache does (listeners run in the order they were registered).
    const notified = new Promise<void>((resolve) =>
      onChange(
        'api_key_changed',
        (prefix) => prefix === apiKey.prefix && resolve(),
        () => undefined,
      ),
    );
    await db.knex('api_keys').where({ id: apiKey.id }).update({ revokedAt: new Date() });
    await notified;
    expect((await app.graphql(READ_ACCOUNT, { id: account.id }, { apiKey: secret })).status).toBe(401);
  });

  it('refuse malformed, unknown, forged and expired keys with 401', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const created = await app.graphql(
      CREATE,
      { input: { name: 'Short-lived', scopes: ['ACCOUNTS_READ'], accountId: account.id, expiresAt } },
      { cookie },
    );
    const secret = created.data!.createApiKey.secret as string;
    const forged = `${secret.slice(0, 13)}${'A'.repeat(43)}`;

    for (const caller of [
      { apiKey: 'not-a-key' },
      { apiKey: `bsk_AAAAAAAA_${'B'.repeat(43)}` },
      { apiKey: forged },
      { authorization: 'Basic abc' },
    ]) {
      const result = await app.graphql(READ_ACCOUNT, { id: account.id }, caller);
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }

    const restoreClock = useClock(new ManualClock(new Date(Date.now() + 120_000)));
    try {
      expect((await app.graphql(READ_ACCOUNT, { id: account.id }, { apiKey: secret })).status).toBe(401);
    } finally {
      restoreClock();
    }
  });

  it('record when they were last used', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const created = await app.graphql(
      CREATE,
      { input: { name: 'Used', scopes: ['ACCOUNTS_READ'], accountId: account.id } },
      { cookie },
    );
    const { secret, apiKey } = created.data!.createApiKey;
    expect((await ApiKey.query().findById(apiKey.id))!.lastUsedAt).toBeNull();
    await app.graphql(READ_ACCOUNT, { id: account.id }, { apiKey: secret });
    expect((await ApiKey.query().findById(apiKey.id))!.lastUsedAt).toBeInstanceOf(Date);
  });

  it('are created only by account owners and admins, or by platform admins for platform-wide keys', async () => {
    const { account, cookie: memberCookie } = await createMember({ role: 'member' });
    const asMember = await app.graphql(
      CREATE,
      { input: { name: 'x', scopes: ['ACCOUNTS_READ'], accountId: account.id } },
      { cookie: memberCookie },
    );
    expect(asMember.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const { cookie: ownerCookie } = await createMember({ role: 'owner' });
    const platformWideByOwner = await app.graphql(
      CREATE,
      { input: { name: 'x', scopes: ['ACCOUNTS_READ'] } },
      { cookie: ownerCookie },
    );
    expect(platformWideByOwner.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const admin = await createUser({ isPlatformAdmin: true });
    const platformWide = await app.graphql(
      CREATE,
      { input: { name: 'Platform', scopes: ['ACCOUNTS_WRITE'] } },
      { cookie: await sessionCookieFor(admin) },
    );
    expect(platformWide.data!.createApiKey.apiKey.accountId).toBeNull();
    const noScopes = await app.graphql(
      CREATE,
      { input: { name: 'x', scopes: [] } },
      { cookie: await sessionCookieFor(admin) },
    );
    expect(noScopes.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { scopes: 'needs at least one scope' },
    });
    const keyCreatingKeys = await app.graphql(
      CREATE,
      { input: { name: 'x', scopes: ['ACCOUNTS_READ'] } },
      { apiKey: platformWide.data!.createApiKey.secret },
    );
    expect(keyCreatingKeys.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(await db.knex('api_keys').where({ name: 'x' }).count<{ count: number }[]>('* as count')).toEqual([
      { count: 0 },
    ]);
  });
});
