import { issueApiKey } from '../../server/auth/apiKeys';
import { API_SCOPES } from '../../server/auth/scopes';
import {
  createDemoCatalog,
  createMember,
  createPartnerKey,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type Caller, type GraphQLResult, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let platform: Caller;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  platform = { apiKey: (await createPartnerKey({ scopes: [...API_SCOPES] })).secret };
});
afterAll(() => app.close());

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id scopes } } }`;
const REGISTER = `mutation($input: ResourceInput!) { registerResource(input: $input) { created } }`;
const RELEASE = `mutation($input: ResourceInput!) { releaseResource(input: $input) { used } }`;
const READ_ACCOUNT = 'query($id: ID) { account(id: $id) { id } }';
const SUBSCRIPTION = 'query($id: ID) { account(id: $id) { subscription { status } } }';
const API_KEYS = 'query($id: ID) { account(id: $id) { apiKeys { id } } }';

const codesOf = (result: GraphQLResult) => result.errors?.map((error) => error.extensions.code) ?? [];

/** Other processes' changes reach this one's key cache by a notification from the database: wait for it. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the change never took effect');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('an API key never holds more than its creator', () => {
  it.each(['owner', 'admin'] as const)(
    'an %s cannot mint a key that records usage, spends credits or manages entitlements',
    async (role) => {
      const { account, cookie } = await createMember({ role });
      for (const scope of ['USAGE_WRITE', 'CREDITS_WRITE', 'ENTITLEMENTS_WRITE']) {
        const result = await app.graphql(
          CREATE,
          { input: { name: 'Escalation', scopes: ['ACCOUNTS_READ', scope], accountId: account.id } },
          { cookie },
        );
        expect(result.errors).toEqual([
          expect.objectContaining({
            message: expect.stringContaining(scope.toLowerCase().replace('_', ':')),
            extensions: { code: 'FORBIDDEN', scopes: [scope.toLowerCase().replace('_', ':')] },
          }),
        ]);
      }
      expect(await db.knex('api_keys').where({ accountId: account.id })).toEqual([]);

      const withinRole = await app.graphql(
        CREATE,
        {
          input: {
            name: 'Everything the role holds',
            scopes: [
              'ACCOUNTS_READ',
              'ACCOUNTS_WRITE',
              'BILLING_READ',
              'BILLING_WRITE',
              'USAGE_READ',
              'CREDITS_READ',
              'ENTITLEMENTS_READ',
            ],
            accountId: account.id,
          },
        },
        { cookie },
      );
      expect(withinRole.errors).toBeUndefined();
    },
  );

  it('so an owner cannot release what the partner registered to get under the plan’s limit', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const resource = { accountId: account.id, featureKey: 'projects', resourceId: unique('project') };
    expect((await app.graphql(REGISTER, { input: resource }, platform)).data!.registerResource.created).toBe(
      true,
    );

    const minted = await app.graphql(
      CREATE,
      { input: { name: 'Release it', scopes: ['ENTITLEMENTS_WRITE'], accountId: account.id } },
      { cookie },
    );
    expect(codesOf(minted)).toEqual(['FORBIDDEN']);
    expect(
      await db.knex('entitled_resources').where({ accountId: account.id }).count({ count: '*' }),
    ).toEqual([{ count: 1 }]);
  });

  it('a platform admin may mint any key, bound to an account or not', async () => {
    const { account } = await createMember({ role: 'owner' });
    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const bound = await app.graphql(
      CREATE,
      { input: { name: 'Partner', scopes: ['USAGE_WRITE', 'ENTITLEMENTS_WRITE'], accountId: account.id } },
      admin,
    );
    expect(bound.data!.createApiKey.apiKey.scopes).toEqual(['USAGE_WRITE', 'ENTITLEMENTS_WRITE']);
    const resource = { accountId: account.id, featureKey: 'projects', resourceId: unique('project') };
    const registered = await app.graphql(
      REGISTER,
      { input: resource },
      { apiKey: bound.data!.createApiKey.secret },
    );
    expect(registered.errors).toBeUndefined();
  });

  it('a key acts only with what its creator still holds: demoted, it shrinks; removed, it stops', async () => {
    const { account, user, cookie } = await createMember({ role: 'owner' });
    const created = await app.graphql(
      CREATE,
      {
        input: {
          name: 'Billing',
          scopes: ['ACCOUNTS_READ', 'ACCOUNTS_WRITE', 'BILLING_READ'],
          accountId: account.id,
        },
      },
      { cookie },
    );
    const key = { apiKey: created.data!.createApiKey.secret as string };
    expect((await app.graphql(API_KEYS, { id: account.id }, key)).errors).toBeUndefined();

    // Demoted to member: the key keeps reading, but no longer manages the account's keys.
    await db.knex('memberships').where({ accountId: account.id, userId: user.id }).update({ role: 'member' });
    await eventually(async () =>
      codesOf(await app.graphql(API_KEYS, { id: account.id }, key)).includes('FORBIDDEN'),
    );
    expect((await app.graphql(SUBSCRIPTION, { id: account.id }, key)).errors).toBeUndefined();

    // Removed from the account: the key holds nothing and is refused outright.
    await db.knex('memberships').where({ accountId: account.id, userId: user.id }).delete();
    await eventually(async () => (await app.graphql(SUBSCRIPTION, { id: account.id }, key)).status === 401);
    const refused = await app.graphql(SUBSCRIPTION, { id: account.id }, key);
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
      message: expect.stringContaining('the user who created it'),
    });
  });

  it('a key stored with more than its owner-creator holds does not act beyond the owner', async () => {
    const { account, user } = await createMember({ role: 'owner' });
    const { secret } = await issueApiKey({
      name: 'Minted before the rule',
      scopes: ['accounts:read', 'entitlements:write'],
      accountId: account.id,
      createdByUserId: user.id,
    });
    const resource = { accountId: account.id, featureKey: 'projects', resourceId: unique('project') };
    await app.graphql(REGISTER, { input: resource }, platform);
    const release = await app.graphql(RELEASE, { input: resource }, { apiKey: secret });
    expect(release.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(
      await db.knex('entitled_resources').where({ accountId: account.id }).count({ count: '*' }),
    ).toEqual([{ count: 1 }]);
  });

  it('a platform-wide key stops when its creator is no longer a platform admin', async () => {
    const adminUser = await createUser({ isPlatformAdmin: true });
    const created = await app.graphql(
      CREATE,
      { input: { name: 'Platform', scopes: ['ACCOUNTS_READ'] } },
      { cookie: await sessionCookieFor(adminUser) },
    );
    const key = { apiKey: created.data!.createApiKey.secret as string };
    const { account } = await createMember({ role: 'owner' });
    expect((await app.graphql(READ_ACCOUNT, { id: account.id }, key)).errors).toBeUndefined();

    await db.knex('users').where({ id: adminUser.id }).update({ isPlatformAdmin: false });
    await eventually(async () => (await app.graphql('{ meters { id } }', {}, key)).status === 401);
  });

  it('a deleted creator’s keys stop, and removing the login outright revokes them', async () => {
    const { account, user, cookie } = await createMember({ role: 'admin' });
    const created = await app.graphql(
      CREATE,
      { input: { name: 'Reader', scopes: ['ACCOUNTS_READ'], accountId: account.id } },
      { cookie },
    );
    const { secret, apiKey } = created.data!.createApiKey;
    await db.knex('users').where({ id: user.id }).update({ deletedAt: new Date() });
    await eventually(
      async () => (await app.graphql('{ meters { id } }', {}, { apiKey: secret })).status === 401,
    );

    await db.knex('users').where({ id: user.id }).delete();
    const row = await db.knex('api_keys').where({ id: apiKey.id }).first();
    expect(row).toMatchObject({ createdByUserId: null, revokedAt: expect.any(Date) });
    expect((await app.graphql('{ meters { id } }', {}, { apiKey: secret })).status).toBe(401);
  });
});
