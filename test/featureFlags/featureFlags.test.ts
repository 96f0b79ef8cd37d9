import { createMember, createUser, sessionCookieFor } from '../factories';
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
    expect(await stack.knex('audit_log').where({ action: 'feature_flag.set' })).toHaveLength(2);
  });

  it('can be flipped only by platform admins, and only for known flags', async () => {
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
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { key: 'is not a known feature flag' },
    });
  });
});
