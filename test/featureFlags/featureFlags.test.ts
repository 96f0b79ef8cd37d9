import { createAccount, createMember, createPartnerKey, createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';

const stack = useBillingStack();

describe('the self-serve billing switch', () => {
  it('is on by default, and when an admin turns it off customers cannot open Checkout', async () => {
    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const flags = await stack.app.graphql('{ featureFlags { key enabled } }', {}, admin);
    expect(flags.data!.featureFlags).toEqual([{ key: 'self_serve_billing', enabled: true }]);

    const { account, cookie } = await createMember({ role: 'owner' });
    const planId = (await stack.knex('plans').where({ key: 'pro_monthly', active: true }).first()).id;
    const checkout = () =>
      stack.app.graphql(
        'mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }',
        { input: { accountId: account.id, planId } },
        { cookie },
      );
    expect((await checkout()).errors).toBeUndefined();

    const off = await stack.app.graphql(
      'mutation { setFeatureFlag(key: "self_serve_billing", enabled: false) { enabled } }',
      {},
      admin,
    );
    expect(off.data!.setFeatureFlag.enabled).toBe(false);
    const refused = await checkout();
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining('contact sales'),
    });
    expect(await stack.knex('checkout_sessions').where({ accountId: account.id })).toHaveLength(1);

    expect(
      (
        await stack.app.graphql(
          'mutation { setFeatureFlag(key: "self_serve_billing", enabled: true) { enabled } }',
          {},
          admin,
        )
      ).data!.setFeatureFlag.enabled,
    ).toBe(true);
    expect((await checkout()).errors).toBeUndefined();
    expect(await stack.knex('audit_log').where({ action: 'feature_flag.updated' })).toHaveLength(2);
  });

  it('can be flipped only by platform admins, and only for flags that exist', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    expect(
      (
        await stack.app.graphql(
          'mutation { setFeatureFlag(key: "self_serve_billing", enabled: false) { enabled } }',
          {},
          { cookie },
        )
      ).errors?.[0]?.extensions.code,
    ).toBe('FORBIDDEN');
    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const unknown = await stack.app.graphql(
      'mutation { setFeatureFlag(key: "free_money", enabled: true) { enabled } }',
      {},
      admin,
    );
    expect(unknown.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect(await stack.knex('featureFlags').where({ key: 'free_money' })).toEqual([]);
  });
});

describe('feature flags through the API', () => {
  const adminCaller = async () => ({
    cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })),
  });

  it('lets platform admins create, change, override and delete a flag, and read it with its overrides', async () => {
    const admin = await adminCaller();
    const { account } = await createMember({ role: 'owner' });
    const created = await stack.app.graphql(
      'mutation { createFeatureFlag(input: { key: "new_dashboard", description: "The new dashboard", enabled: true, rolloutPercent: 25 }) { key enabled rolloutPercent builtIn overrideCount } }',
      {},
      admin,
    );
    expect(created.data!.createFeatureFlag).toEqual({
      key: 'new_dashboard',
      enabled: true,
      rolloutPercent: 25,
      builtIn: false,
      overrideCount: 0,
    });
    const override = await stack.app.graphql(
      'mutation($id: ID!) { setFeatureFlagOverride(input: { key: "new_dashboard", accountId: $id, enabled: false }) { accountId accountName enabled } }',
      { id: account.id },
      admin,
    );
    expect(override.data!.setFeatureFlagOverride).toEqual({
      accountId: account.id,
      accountName: account.name,
      enabled: false,
    });
    const read = await stack.app.graphql(
      '{ featureFlag(key: "new_dashboard") { rolloutPercent overrideCount overrides { accountId enabled } } featureFlags { key overrideCount } }',
      {},
      admin,
    );
    expect(read.data!.featureFlag).toEqual({
      rolloutPercent: 25,
      overrideCount: 1,
      overrides: [{ accountId: account.id, enabled: false }],
    });
    expect(read.data!.featureFlags).toEqual(
      expect.arrayContaining([
        { key: 'new_dashboard', overrideCount: 1 },
        { key: 'self_serve_billing', overrideCount: 0 },
      ]),
    );

    const updated = await stack.app.graphql(
      'mutation { updateFeatureFlag(input: { key: "new_dashboard", rolloutPercent: 150 }) { rolloutPercent } }',
      {},
      admin,
    );
    expect(updated.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { rolloutPercent: 'must be between 0 and 100' },
    });
    const cleared = await stack.app.graphql(
      'mutation($id: ID!) { clearFeatureFlagOverride(key: "new_dashboard", accountId: $id) { enabled } }',
      { id: account.id },
      admin,
    );
    expect(cleared.data!.clearFeatureFlagOverride.enabled).toBe(false);
    const deleted = await stack.app.graphql(
      'mutation { deleteFeatureFlag(key: "new_dashboard") { key } }',
      {},
      admin,
    );
    expect(deleted.data!.deleteFeatureFlag.key).toBe('new_dashboard');
    const gone = await stack.app.graphql('{ featureFlag(key: "new_dashboard") { key } }', {}, admin);
    expect(gone.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });

  it('gives members and partners their own account’s values and reasons, and nobody else’s', async () => {
    const admin = await adminCaller();
    const { account, cookie } = await createMember({ role: 'member' });
    const other = await createAccount();
    await stack.app.graphql(
      'mutation { createFeatureFlag(input: { key: "beta_reports", description: "Reports", enabled: true, rolloutPercent: 0 }) { key } }',
      {},
      admin,
    );
    await stack.app.graphql(
      'mutation($id: ID!) { setFeatureFlagOverride(input: { key: "beta_reports", accountId: $id, enabled: true }) { enabled } }',
      { id: account.id },
      admin,
    );
    const flagsOf =
      'query($id: ID) { account(id: $id) { featureFlags { key enabled reason } beta: featureFlag(key: "beta_reports") unknown: featureFlag(key: "no_such_flag") } }';

    const mine = await stack.app.graphql(flagsOf, { id: account.id }, { cookie });
    expect(mine.data!.account).toEqual({
      featureFlags: [
        { key: 'beta_reports', enabled: true, reason: 'OVERRIDE' },
        // Set (on) by the test above, so its row decides: on for everyone.
        { key: 'self_serve_billing', enabled: true, reason: 'GLOBAL' },
      ],
      beta: true,
      unknown: false,
    });
    expect(
      (await stack.app.graphql(flagsOf, { id: other.id }, { cookie })).errors?.[0]?.extensions.code,
    ).toBe('NOT_FOUND');

    const { secret } = await createPartnerKey({ scopes: ['accounts:read'], accountId: other.id });
    const partner = await stack.app.graphql(flagsOf, { id: other.id }, { apiKey: secret });
    expect(partner.data!.account.featureFlags).toContainEqual({
      key: 'beta_reports',
      enabled: false,
      reason: 'ROLLOUT',
    });
    expect(partner.data!.account.beta).toBe(false);
    expect(
      (await stack.app.graphql(flagsOf, { id: account.id }, { apiKey: secret })).errors?.[0]?.extensions.code,
    ).toBe('NOT_FOUND');
  });

  it('refuses every write to customers and partner keys', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const { secret } = await createPartnerKey({ scopes: ['accounts:read', 'accounts:write'] });
    for (const caller of [{ cookie }, { apiKey: secret }]) {
      for (const [operation, variables] of [
        [
          'mutation { createFeatureFlag(input: { key: "sneaky", description: "x", enabled: true }) { key } }',
          {},
        ],
        ['mutation { updateFeatureFlag(input: { key: "self_serve_billing", enabled: false }) { key } }', {}],
        [
          'mutation($id: ID!) { setFeatureFlagOverride(input: { key: "self_serve_billing", accountId: $id, enabled: false }) { enabled } }',
          { id: account.id },
        ],
        ['{ featureFlags { key } }', {}],
      ] as const) {
        const refused = await stack.app.graphql(operation, variables, caller);
        expect(refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      }
    }
    expect(await stack.knex('featureFlags').where({ key: 'sneaky' })).toEqual([]);
    expect(await stack.knex('featureFlagOverrides').where({ accountId: account.id })).toEqual([]);
  });
});
