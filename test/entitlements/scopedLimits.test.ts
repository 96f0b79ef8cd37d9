import {
  createAccount,
  createMember,
  createPartnerKey,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller } from '../support/testApp';

/**
 * Limits scoped to a parent resource (participants per room) and limits with a buffer beyond them, set
 * by the operator on a published plan and enforced through the partner API.
 */
const stack = useBillingStack();

const CHECK = `query($externalId: String, $feature: String!, $scopeKey: String) {
  entitlement(externalId: $externalId, featureKey: $feature, scopeKey: $scopeKey) {
    allowed limit hardLimit used remaining overLimit withinBuffer scope scopeResourceType scopeKey overageBufferPercent } }`;
const REGISTER = `mutation($input: ResourceInput!) { registerResource(input: $input) { created check { used allowed scopeKey } } }`;
const RELEASE = `mutation($input: ResourceInput!) { releaseResource(input: $input) { used allowed scopeKey } }`;
const CREATE = `mutation($input: PlanDraftInput!) { createPlanDraft(input: $input) { id
  entitlements { featureKey limit scope scopeResourceType overageBufferPercent } } }`;
const PUBLISH = `mutation($id: ID!) { publishPlan(id: $id) { id } }`;

let admin: Caller;
let partner: Caller;

const freeDraft = (limits: unknown[]) => ({
  key: 'free',
  name: 'Free',
  tier: 'free',
  tierRank: 0,
  interval: 'MONTH',
  priceAmount: 0,
  currency: 'usd',
  isDefault: true,
  limits,
});

beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
  partner = {
    apiKey: (await createPartnerKey({ scopes: ['entitlements:read', 'entitlements:write'] })).secret,
  };
  // New accounts start on this version of the free plan.
  const created = await stack.app.graphql(
    CREATE,
    {
      input: freeDraft([
        { featureKey: 'projects', limit: 3 },
        { featureKey: 'rooms', limit: 10, overageBufferPercent: 10 },
        { featureKey: 'participants', limit: 5, scope: 'PER_RESOURCE', scopeResourceType: 'room' },
      ]),
    },
    admin,
  );
  expect(created.errors).toBeUndefined();
  expect(created.data!.createPlanDraft.entitlements).toEqual(
    expect.arrayContaining([
      {
        featureKey: 'projects',
        limit: 3,
        scope: 'ACCOUNT',
        scopeResourceType: null,
        overageBufferPercent: 0,
      },
      { featureKey: 'rooms', limit: 10, scope: 'ACCOUNT', scopeResourceType: null, overageBufferPercent: 10 },
      {
        featureKey: 'participants',
        limit: 5,
        scope: 'PER_RESOURCE',
        scopeResourceType: 'room',
        overageBufferPercent: 0,
      },
    ]),
  );
  const published = await stack.app.graphql(PUBLISH, { id: created.data!.createPlanDraft.id }, admin);
  expect(published.errors).toBeUndefined();
});

async function newAccount() {
  const externalId = unique('org');
  const account = await createAccount({ externalId });
  return { account, externalId };
}

const check = async (externalId: string, feature: string, scopeKey?: string) => {
  const { data, errors } = await stack.app.graphql(CHECK, { externalId, feature, scopeKey }, partner);
  expect(errors).toBeUndefined();
  return data!.entitlement;
};

const register = (externalId: string, featureKey: string, resourceId: string, scopeKey?: string) =>
  stack.app.graphql(REGISTER, { input: { externalId, featureKey, resourceId, scopeKey } }, partner);

describe('a limit per parent resource', () => {
  it('counts each room on its own: a full room does not block another', async () => {
    const { externalId } = await newAccount();
    for (const id of ['p1', 'p2', 'p3', 'p4', 'p5'])
      expect((await register(externalId, 'participants', id, 'room-a')).data!.registerResource).toEqual({
        created: true,
        check: { used: expect.any(Number), allowed: id !== 'p5', scopeKey: 'room-a' },
      });
    const refused = await register(externalId, 'participants', 'p6', 'room-a');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 5, used: 5 });

    // The same participant may be in another room, which has its own five places.
    expect((await register(externalId, 'participants', 'p1', 'room-b')).data!.registerResource).toEqual({
      created: true,
      check: { used: 1, allowed: true, scopeKey: 'room-b' },
    });
    expect(await check(externalId, 'participants', 'room-a')).toMatchObject({
      allowed: false,
      limit: 5,
      hardLimit: 5,
      used: 5,
      remaining: 0,
      overLimit: false,
      scope: 'PER_RESOURCE',
      scopeResourceType: 'room',
      scopeKey: 'room-a',
    });
    expect(await check(externalId, 'participants', 'room-b')).toMatchObject({ allowed: true, used: 1 });

    // Releasing from one room leaves the other alone, and makes a place.
    const released = await stack.app.graphql(
      RELEASE,
      { input: { externalId, featureKey: 'participants', resourceId: 'p1', scopeKey: 'room-a' } },
      partner,
    );
    expect(released.data!.releaseResource).toEqual({ used: 4, allowed: true, scopeKey: 'room-a' });
    expect(await check(externalId, 'participants', 'room-b')).toMatchObject({ used: 1 });
    expect((await register(externalId, 'participants', 'p6', 'room-a')).errors).toBeUndefined();
  });

  it('shows in the account’s list as its limit per parent, with no usage of its own', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const { data, errors } = await stack.app.graphql(
      `query($id: ID) { account(id: $id) { entitlements { featureKey scope scopeResourceType limit hardLimit used allowed } } }`,
      { id: account.id },
      { cookie },
    );
    expect(errors).toBeUndefined();
    expect(data!.account.entitlements).toContainEqual({
      featureKey: 'participants',
      scope: 'PER_RESOURCE',
      scopeResourceType: 'room',
      limit: 5,
      hardLimit: 5,
      used: null,
      allowed: true,
    });
    expect(data!.account.entitlements).toContainEqual(
      expect.objectContaining({ featureKey: 'rooms', scope: 'ACCOUNT', limit: 10, hardLimit: 11, used: 0 }),
    );
  });

  it('never admits more than the limit to one room under concurrent registrations', async () => {
    const { account, externalId } = await newAccount();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) => register(externalId, 'participants', `p${index}`, 'room-c')),
    );
    const codes = results.map((result) => result.errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes.filter((code) => code === 'OK')).toHaveLength(5);
    expect(codes.filter((code) => code === 'LIMIT_EXCEEDED')).toHaveLength(7);
    expect(
      await stack.knex('entitled_resources').where({ accountId: account.id, scopeKey: 'room-c' }),
    ).toHaveLength(5);
  });

  it('requires the parent, naming scopeKey, and changes nothing without it', async () => {
    const { account, externalId } = await newAccount();
    const asked = await stack.app.graphql(CHECK, { externalId, feature: 'participants' }, partner);
    expect(asked.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { scopeKey: expect.stringContaining('room') },
    });
    const registered = await register(externalId, 'participants', 'p1');
    expect(registered.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { scopeKey: expect.any(String) },
    });
    const blank = await register(externalId, 'participants', 'p1', '  ');
    expect(blank.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { scopeKey: expect.any(String) },
    });
    expect(await stack.knex('entitled_resources').where({ accountId: account.id })).toEqual([]);
  });
});

describe('a limit per account', () => {
  it('counts as before, and refuses a parent, naming scopeKey', async () => {
    const { account, externalId } = await newAccount();
    for (const id of ['a', 'b', 'c'])
      expect((await register(externalId, 'projects', id)).errors).toBeUndefined();
    const refused = await register(externalId, 'projects', 'd');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 3, used: 3 });
    expect(await check(externalId, 'projects')).toMatchObject({
      allowed: false,
      limit: 3,
      hardLimit: 3,
      used: 3,
      overLimit: false,
      withinBuffer: false,
      scope: 'ACCOUNT',
      scopeKey: null,
      overageBufferPercent: 0,
    });

    const scoped = await register(externalId, 'projects', 'e', 'room-a');
    expect(scoped.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { scopeKey: expect.any(String) },
    });
    const asked = await stack.app.graphql(
      CHECK,
      { externalId, feature: 'projects', scopeKey: 'room-a' },
      partner,
    );
    expect(asked.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { scopeKey: expect.any(String) },
    });
    expect(await stack.knex('entitled_resources').where({ accountId: account.id })).toHaveLength(3);
  });
});

describe('a limit with a buffer', () => {
  it('admits up to the limit and its buffer, reporting usage beyond the limit, and refuses past it', async () => {
    const { externalId } = await newAccount();
    for (let room = 1; room <= 10; room++)
      expect((await register(externalId, 'rooms', `r${room}`)).errors).toBeUndefined();
    expect(await check(externalId, 'rooms')).toMatchObject({
      allowed: true,
      limit: 10,
      hardLimit: 11,
      used: 10,
      remaining: 0,
      overLimit: false,
      withinBuffer: false,
      overageBufferPercent: 10,
    });

    expect((await register(externalId, 'rooms', 'r11')).errors).toBeUndefined();
    expect(await check(externalId, 'rooms')).toMatchObject({
      allowed: false,
      used: 11,
      overLimit: true,
      withinBuffer: true,
    });

    const refused = await register(externalId, 'rooms', 'r12');
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      featureKey: 'rooms',
      limit: 11,
      used: 11,
    });
    expect(await check(externalId, 'rooms')).toMatchObject({ used: 11 });
  });
});

describe('a plan limit that could not be enforced as written', () => {
  const cases: Array<[label: string, field: string, limit: Record<string, unknown>]> = [
    ['a buffer above 100%', 'limits.0.overageBufferPercent', { limit: 5, overageBufferPercent: 101 }],
    ['a negative buffer', 'limits.0.overageBufferPercent', { limit: 5, overageBufferPercent: -1 }],
    [
      'a buffer on an unlimited limit',
      'limits.0.overageBufferPercent',
      { unlimited: true, overageBufferPercent: 5 },
    ],
    [
      'a limit per resource without its type',
      'limits.0.scopeResourceType',
      { limit: 5, scope: 'PER_RESOURCE' },
    ],
    [
      'a resource type on an account-wide limit',
      'limits.0.scopeResourceType',
      { limit: 5, scopeResourceType: 'room' },
    ],
    [
      'a resource type that is not a key',
      'limits.0.scopeResourceType',
      { limit: 5, scope: 'PER_RESOURCE', scopeResourceType: 'Room 1' },
    ],
    [
      'seats per resource (members have no parent)',
      'limits.0.scope',
      { featureKey: 'seats', limit: 5, scope: 'PER_RESOURCE', scopeResourceType: 'team' },
    ],
  ];

  it.each(cases)('is refused for %s, naming %s, and nothing is written', async (_label, field, limit) => {
    const before = await stack.knex('plan_entitlements').orderBy('id');
    const { errors } = await stack.app.graphql(
      CREATE,
      {
        input: {
          ...freeDraft([{ featureKey: 'participants', ...limit }]),
          key: unique('plan').replace(/-/g, '_'),
          isDefault: false,
          priceAmount: 100,
        },
      },
      admin,
    );
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { [field]: expect.any(String) },
    });
    expect(await stack.knex('plan_entitlements').orderBy('id')).toEqual(before);
  });
});
