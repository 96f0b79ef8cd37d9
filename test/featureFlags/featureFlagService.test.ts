import { randomUUID } from 'node:crypto';
import type { UserActor } from '../../server/auth/actor';
import {
  evaluateFeatureFlags,
  isFeatureEnabledFor,
  rolloutBucket,
} from '../../server/featureFlags/featureFlagEvaluation';
import {
  clearFeatureFlagOverride,
  setFeatureFlagOverride,
} from '../../server/featureFlags/featureFlagOverrides';
import {
  createFeatureFlag,
  deleteFeatureFlag,
  getFeatureFlag,
  listFeatureFlags,
  updateFeatureFlag,
} from '../../server/featureFlags/featureFlags';
import { assertSelfServeBilling } from '../../server/featureFlags/selfServeBilling';
import { createAccount, createUser, unique } from '../factories';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
let admin: UserActor;
let customer: UserActor;

beforeAll(async () => {
  admin = {
    kind: 'user',
    userId: (await createUser({ isPlatformAdmin: true })).id,
    sessionId: null,
    isPlatformAdmin: true,
  };
  customer = { kind: 'user', userId: (await createUser()).id, sessionId: null, isPlatformAdmin: false };
});

const flagKey = () => unique('flag').replace(/[^a-z0-9]+/g, '_');

async function flagRows() {
  return db.knex('featureFlags').orderBy('key');
}

describe('creating a flag', () => {
  it.each([
    ['', 'must be lowercase snake_case'],
    ['NewCheckout', 'must be lowercase snake_case'],
    ['new-checkout', 'must be lowercase snake_case'],
    ['1st_flag', 'must be lowercase snake_case'],
    ['double__underscore', 'must be lowercase snake_case'],
    ['a'.repeat(65), 'must be lowercase snake_case'],
  ])('refuses the key %j and creates nothing', async (key, problem) => {
    const before = await flagRows();
    await expect(
      createFeatureFlag({ actor: admin, key, description: 'x', enabled: true }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { key: expect.stringContaining(problem) },
    });
    expect(await flagRows()).toEqual(before);
  });

  it('accepts a key of 64 characters, and refuses a taken or built-in key', async () => {
    const key = `a${'_b'.repeat(31)}c`;
    expect(key).toHaveLength(64);
    await createFeatureFlag({ actor: admin, key, description: 'Long', enabled: false });
    await expect(
      createFeatureFlag({ actor: admin, key, description: 'Again', enabled: true }),
    ).rejects.toMatchObject({
      fieldErrors: { key: 'is taken by another flag' },
    });
    await expect(
      createFeatureFlag({ actor: admin, key: 'self_serve_billing', description: 'Mine', enabled: true }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { key: expect.stringContaining('built-in') },
    });
    expect((await getFeatureFlag({ actor: admin, key })).description).toBe('Long');
  });

  it('refuses a rollout outside 0..100 or a fraction, and an empty description', async () => {
    const key = flagKey();
    for (const [rolloutPercent, problem] of [
      [101, 'must be between 0 and 100'],
      [-1, 'must be between 0 and 100'],
      [12.5, 'must be a whole percentage'],
    ] as const) {
      await expect(
        createFeatureFlag({ actor: admin, key, description: 'x', enabled: true, rolloutPercent }),
      ).rejects.toMatchObject({ fieldErrors: { rolloutPercent: problem } });
    }
    await expect(
      createFeatureFlag({ actor: admin, key, description: '  ', enabled: true }),
    ).rejects.toMatchObject({
      fieldErrors: { description: 'is required' },
    });
    await expect(getFeatureFlag({ actor: admin, key })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('is for platform admins only, and every write is audited', async () => {
    const key = flagKey();
    await expect(
      createFeatureFlag({ actor: customer, key, description: 'x', enabled: true }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const account = await createAccount();
    await expect(
      setFeatureFlagOverride({
        actor: customer,
        key: 'self_serve_billing',
        accountId: account.id,
        enabled: false,
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      updateFeatureFlag({ actor: customer, key: 'self_serve_billing', enabled: false }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(listFeatureFlags({ actor: customer })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await db.knex('featureFlagOverrides').where({ accountId: account.id })).toEqual([]);

    await createFeatureFlag({ actor: admin, key, description: 'Audited', enabled: true, rolloutPercent: 10 });
    await updateFeatureFlag({ actor: admin, key, rolloutPercent: 20 });
    await setFeatureFlagOverride({ actor: admin, key, accountId: account.id, enabled: false });
    await clearFeatureFlagOverride({ actor: admin, key, accountId: account.id });
    await deleteFeatureFlag({ actor: admin, key });
    const entries = await db
      .knex('auditLog')
      .where({ targetType: 'feature_flag', targetId: key })
      .orderBy('createdAt');
    expect(entries.map((entry) => entry.action)).toEqual([
      'feature_flag.created',
      'feature_flag.updated',
      'feature_flag.override_set',
      'feature_flag.override_cleared',
      'feature_flag.deleted',
    ]);
  });
});

describe('changing and deleting flags', () => {
  it('changes only what is given, and deletes a flag with its overrides', async () => {
    const key = flagKey();
    const account = await createAccount();
    await createFeatureFlag({ actor: admin, key, description: 'Before', enabled: false, rolloutPercent: 40 });
    const changed = await updateFeatureFlag({ actor: admin, key, enabled: true });
    expect(changed).toMatchObject({
      enabled: true,
      rolloutPercent: 40,
      description: 'Before',
      builtIn: false,
    });
    await setFeatureFlagOverride({ actor: admin, key, accountId: account.id, enabled: true });
    expect((await getFeatureFlag({ actor: admin, key })).overrideCount).toBe(1);

    expect(await deleteFeatureFlag({ actor: admin, key })).toMatchObject({ key, overrideCount: 1 });
    expect(await db.knex('featureFlagOverrides').where({ flagKey: key })).toEqual([]);
    expect(await isFeatureEnabledFor({ key, accountId: account.id })).toBe(false);
    await expect(updateFeatureFlag({ actor: admin, key, enabled: true })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('never deletes a built-in flag', async () => {
    await expect(deleteFeatureFlag({ actor: admin, key: 'self_serve_billing' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await listFeatureFlags({ actor: admin })).map((flag) => flag.key)).toContain(
      'self_serve_billing',
    );
  });

  it('refuses an override for an unknown flag or account', async () => {
    const account = await createAccount();
    await expect(
      setFeatureFlagOverride({ actor: admin, key: 'no_such_flag', accountId: account.id, enabled: true }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      setFeatureFlagOverride({
        actor: admin,
        key: 'self_serve_billing',
        accountId: randomUUID(),
        enabled: true,
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      setFeatureFlagOverride({ actor: admin, key: 'self_serve_billing', accountId: 'nope', enabled: true }),
    ).rejects.toMatchObject({ fieldErrors: { accountId: 'is not an account id' } });
    await expect(
      clearFeatureFlagOverride({ actor: admin, key: 'self_serve_billing', accountId: account.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('drops an account’s overrides with the account', async () => {
    const key = flagKey();
    // A bare account row: one made through the product is referenced by its audit entries for good.
    const [account] = await db.knex('accounts').insert({ name: 'Short-lived' }).returning('id');
    await createFeatureFlag({ actor: admin, key, description: 'x', enabled: true });
    await db.knex('featureFlagOverrides').insert({ flagKey: key, accountId: account.id, enabled: false });
    await db.knex('accounts').where({ id: account.id }).delete();
    expect(await db.knex('featureFlagOverrides').where({ flagKey: key })).toEqual([]);
  });
});

describe('the value of a flag for an account', () => {
  it('is the override, else off when off globally, else the rollout', async () => {
    const key = flagKey();
    const account = await createAccount();
    const reasonOf = async () =>
      (await evaluateFeatureFlags({ accountIds: [account.id] }))
        .get(account.id)!
        .find((flag) => flag.key === key);

    await createFeatureFlag({ actor: admin, key, description: 'x', enabled: false, rolloutPercent: 100 });
    expect(await reasonOf()).toEqual({ key, enabled: false, reason: 'global' });
    await updateFeatureFlag({ actor: admin, key, enabled: true });
    expect(await reasonOf()).toEqual({ key, enabled: true, reason: 'global' });
    await updateFeatureFlag({ actor: admin, key, rolloutPercent: 0 });
    expect(await reasonOf()).toEqual({ key, enabled: false, reason: 'rollout' });

    await setFeatureFlagOverride({ actor: admin, key, accountId: account.id, enabled: true });
    expect(await reasonOf()).toEqual({ key, enabled: true, reason: 'override' });
    await updateFeatureFlag({ actor: admin, key, enabled: false });
    expect(await reasonOf()).toEqual({ key, enabled: true, reason: 'override' });
    await clearFeatureFlagOverride({ actor: admin, key, accountId: account.id });
    expect(await reasonOf()).toEqual({ key, enabled: false, reason: 'global' });
  });

  it('is the default of a built-in flag nobody changed, and false for a key nobody created', async () => {
    const account = await createAccount();
    const flags = (await evaluateFeatureFlags({ accountIds: [account.id] })).get(account.id)!;
    expect(flags.find((flag) => flag.key === 'self_serve_billing')).toEqual({
      key: 'self_serve_billing',
      enabled: true,
      reason: 'default',
    });
    expect(await isFeatureEnabledFor({ key: 'never_created', accountId: account.id })).toBe(false);
  });

  it('keeps an account in a rollout as it grows, and takes about the share asked', async () => {
    const key = flagKey();
    await createFeatureFlag({ actor: admin, key, description: 'x', enabled: true, rolloutPercent: 30 });
    const accountIds = Array.from({ length: 2000 }, () => randomUUID());
    const enabledAt = async (rolloutPercent: number) => {
      await updateFeatureFlag({ actor: admin, key, rolloutPercent });
      const values = await evaluateFeatureFlags({ accountIds });
      return new Set(accountIds.filter((id) => values.get(id)!.find((flag) => flag.key === key)!.enabled));
    };
    const at30 = await enabledAt(30);
    const at50 = await enabledAt(50);
    const at60 = await enabledAt(60);
    expect([...at30].filter((id) => !at60.has(id))).toEqual([]);
    expect([...at30].filter((id) => !at50.has(id))).toEqual([]);
    expect(at50.size).toBeGreaterThan(900);
    expect(at50.size).toBeLessThan(1100);
    expect(at30.size).toBeGreaterThan(500);
    expect(at30.size).toBeLessThan(700);
    expect(await enabledAt(30)).toEqual(at30);
    expect((await enabledAt(0)).size).toBe(0);
    expect((await enabledAt(100)).size).toBe(2000);
  });

  it('places an account independently in each flag', () => {
    const accountIds = Array.from({ length: 200 }, () => randomUUID());
    const same = accountIds.filter((id) => rolloutBucket('flag_a', id) === rolloutBucket('flag_b', id));
    expect(same.length).toBeLessThan(5);
    expect(rolloutBucket('flag_a', accountIds[0]!)).toBe(rolloutBucket('flag_a', accountIds[0]!));
  });
});

describe('self-serve billing per account', () => {
  afterEach(() => updateFeatureFlag({ actor: admin, key: 'self_serve_billing', enabled: true }));

  it('refuses a customer with words that fit the action, unless the account has an override', async () => {
    const account = await createAccount();
    const other = await createAccount();
    await expect(
      assertSelfServeBilling({ actor: customer, accountId: account.id, action: 'buy credits' }),
    ).resolves.toBeUndefined();
    await updateFeatureFlag({ actor: admin, key: 'self_serve_billing', enabled: false });
    await expect(
      assertSelfServeBilling({ actor: customer, accountId: account.id, action: 'buy credits' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'Self-serve billing is turned off for this account; please contact sales to buy credits.',
    });
    await expect(
      assertSelfServeBilling({ actor: customer, accountId: account.id, action: 'change your plan' }),
    ).rejects.toThrow('please contact sales to change your plan.');
    await expect(
      assertSelfServeBilling({ actor: admin, accountId: account.id, action: 'buy credits' }),
    ).resolves.toBeUndefined();

    await setFeatureFlagOverride({
      actor: admin,
      key: 'self_serve_billing',
      accountId: account.id,
      enabled: true,
    });
    await expect(
      assertSelfServeBilling({ actor: customer, accountId: account.id, action: 'buy credits' }),
    ).resolves.toBeUndefined();
    await expect(
      assertSelfServeBilling({ actor: customer, accountId: other.id, action: 'buy credits' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});
