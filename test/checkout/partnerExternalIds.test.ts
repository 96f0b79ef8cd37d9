import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createAccount, createPartnerKey, createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller } from '../support/testApp';

/**
 * A partner names its customers by its own ids from provisioning to spending, never holding ours: the
 * external id reaches exactly the accounts the id would, and is refused exactly as the id is.
 */
const stack = useBillingStack();

const UPSERT = `mutation($input: UpsertAccountInput!) { upsertAccount(input: $input) { account { id } } }`;
const START = `mutation($input: StartSubscriptionCheckoutInput!) {
  startSubscriptionCheckout(input: $input) { url checkoutSession { id plan { key } } }
}`;
const CREDITS = `mutation($input: StartCreditPackageCheckoutInput!) {
  startCreditPackageCheckout(input: $input) { url }
}`;
const USAGE = `mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted rejected } }`;
const CONSUME = `mutation($input: ConsumeCreditsInput!) {
  consumeCredits(input: $input) { chargedMilliCredits balanceAfterMilliCredits }
}`;
const ACCOUNT = `query($externalId: String) {
  account(externalId: $externalId) { subscription { status plan { key } } creditBalance { milliCredits } usageSummary { meter { key } quantity } }
}`;
const CHANGE = `mutation($input: ChangePlanInput!) { changePlan(input: $input) { subscription { plan { key } } } }`;
const PORTAL = `mutation($input: OpenBillingPortalInput!) { openBillingPortal(input: $input) { url } }`;

describe('accounts by external id', () => {
  it('walks a partner from provisioning through Checkout to usage and spending, by its own ids', async () => {
    const partner: Caller = {
      apiKey: (
        await createPartnerKey({
          scopes: [
            'accounts:read',
            'accounts:write',
            'billing:read',
            'billing:write',
            'usage:read',
            'usage:write',
            'credits:read',
            'credits:write',
          ],
        })
      ).secret,
    };
    const externalId = unique('org');
    const provisioned = await stack.app.graphql(
      UPSERT,
      { input: { externalId, name: 'Acme', billingEmail: 'billing@acme.test' } },
      partner,
    );
    expect(provisioned.errors).toBeUndefined();
    const accountId = provisioned.data!.upsertAccount.account.id;

    const checkout = await stack.app.graphql(
      START,
      { input: { externalId, planKey: 'pro_monthly' } },
      partner,
    );
    expect(checkout.errors).toBeUndefined();
    expect(checkout.data!.startSubscriptionCheckout.checkoutSession.plan).toEqual({ key: 'pro_monthly' });
    expect(
      await stack
        .knex('checkout_sessions')
        .where({ id: checkout.data!.startSubscriptionCheckout.checkoutSession.id })
        .first(),
    ).toMatchObject({ accountId });
    expect((await submitCheckoutForm(checkout.data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();

    const credits = await stack.app.graphql(
      CREDITS,
      { input: { externalId, creditPackageKey: 'credits_500' } },
      partner,
    );
    expect(credits.errors).toBeUndefined();
    expect((await submitCheckoutForm(credits.data!.startCreditPackageCheckout.url)).status).toBe(303);
    await stack.settle();

    const usage = await stack.app.graphql(
      USAGE,
      {
        input: {
          events: [
            {
              externalId,
              meterKey: 'api_calls',
              quantity: 3,
              occurredAt: new Date().toISOString(),
              idempotencyKey: unique('req'),
            },
          ],
        },
      },
      partner,
    );
    expect(usage.errors).toBeUndefined();
    expect(usage.data!.recordUsage).toEqual({ accepted: 1, rejected: 0 });
    const spent = await stack.app.graphql(
      CONSUME,
      { input: { externalId, idempotencyKey: unique('run'), amountMilliCredits: 2500 } },
      partner,
    );
    expect(spent.errors).toBeUndefined();

    const { data } = await stack.app.graphql(ACCOUNT, { externalId }, partner);
    expect(data!.account.subscription).toEqual({
      status: expect.stringMatching(/^(ACTIVE|TRIALING)$/),
      plan: { key: 'pro_monthly' },
    });
    expect(data!.account.creditBalance.milliCredits).toBe(
      spent.data!.consumeCredits.balanceAfterMilliCredits,
    );
    expect(data!.account.usageSummary).toEqual(
      expect.arrayContaining([{ meter: { key: 'api_calls' }, quantity: 3 }]),
    );

    const changed = await stack.app.graphql(
      CHANGE,
      { input: { accountId, externalId, planKey: 'max_monthly' } },
      partner,
    );
    expect(changed.errors).toBeUndefined();
    expect(changed.data!.changePlan.subscription.plan).toEqual({ key: 'max_monthly' });
  });

  it('refuses an id and an external id that name different accounts, naming externalId', async () => {
    const mine = await createAccount();
    const other = await createAccount();
    const partner: Caller = {
      apiKey: (await createPartnerKey({ scopes: ['billing:write', 'credits:write'], accountId: mine.id }))
        .secret,
    };
    for (const externalId of [other.externalId, 'no-such-account']) {
      const { errors } = await stack.app.graphql(
        START,
        { input: { accountId: mine.id, externalId, planKey: 'pro_monthly' } },
        partner,
      );
      expect(errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { externalId: 'is not the external id of the account accountId names' },
      });
    }
    const consumed = await stack.app.graphql(
      CONSUME,
      {
        input: {
          accountId: mine.id,
          externalId: other.externalId,
          idempotencyKey: 'k',
          amountMilliCredits: 1,
        },
      },
      partner,
    );
    expect(consumed.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { externalId: expect.any(String) },
    });
    const neither = await stack.app.graphql(PORTAL, { input: {} }, partner);
    expect(neither.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { accountId: expect.any(String), externalId: expect.any(String) },
    });
    expect(await stack.knex('checkout_sessions').where({ accountId: mine.id })).toEqual([]);
  });

  it('refuses another tenant’s external id exactly as its id', async () => {
    const mine = await createAccount();
    const theirs = await createAccount();
    const partner: Caller = {
      apiKey: (await createPartnerKey({ scopes: ['billing:write', 'credits:write'], accountId: mine.id }))
        .secret,
    };
    const answers = async (input: Record<string, unknown>) => {
      const results = await Promise.all([
        stack.app.graphql(START, { input: { ...input, planKey: 'pro_monthly' } }, partner),
        stack.app.graphql(CHANGE, { input: { ...input, planKey: 'max_monthly' } }, partner),
        stack.app.graphql(PORTAL, { input }, partner),
        stack.app.graphql(
          CONSUME,
          { input: { ...input, idempotencyKey: 'k', amountMilliCredits: 1 } },
          partner,
        ),
      ]);
      return results.map(({ errors }) =>
        errors?.map(({ message, extensions }) => ({ message, code: extensions.code })),
      );
    };
    const byId = await answers({ accountId: theirs.id });
    expect(byId.flat().map((error) => error?.code)).toEqual([
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
    ]);
    expect(await answers({ externalId: theirs.externalId })).toEqual(byId);
    expect(await answers({ accountId: theirs.id, externalId: theirs.externalId })).toEqual(byId);
    expect(await answers({ externalId: 'no-such-account' })).toEqual(byId);
    expect(await stack.knex('checkout_sessions').where({ accountId: theirs.id })).toEqual([]);
  });

  it('names the account by external id wherever an operation takes one, for keys, endpoints, credits and filters', async () => {
    const account = await createAccount();
    const admin: Caller = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const platform: Caller = {
      apiKey: (await createPartnerKey({ scopes: ['webhooks:read', 'webhooks:write'] })).secret,
    };

    const adjusted = await stack.app.graphql(
      `mutation($input: AdjustCreditsInput!) { adjustCredits(input: $input) { ledgerEntry { balanceAfterMilliCredits } } }`,
      {
        input: {
          externalId: account.externalId,
          amountMilliCredits: 4_000,
          reason: 'Goodwill',
          idempotencyKey: unique('adjust'),
        },
      },
      admin,
    );
    expect(adjusted.errors).toBeUndefined();
    expect((await stack.knex('credit_balances').where({ accountId: account.id }).first()).balance).toBe(
      4_000,
    );

    const key = await stack.app.graphql(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { accountId } } }`,
      { input: { name: 'bound', scopes: ['BILLING_READ'], externalId: account.externalId } },
      admin,
    );
    expect(key.errors).toBeUndefined();
    expect(key.data!.createApiKey.apiKey.accountId).toBe(account.id);

    const endpoint = await stack.app.graphql(
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id accountId } } }`,
      { input: { url: 'https://partner.example/hooks', externalId: account.externalId } },
      platform,
    );
    expect(endpoint.errors).toBeUndefined();
    expect(endpoint.data!.createWebhookEndpoint.endpoint.accountId).toBe(account.id);
    const listed = await stack.app.graphql(
      `query($externalId: String) { webhookEndpoints(externalId: $externalId) { id accountId } }`,
      { externalId: account.externalId },
      platform,
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.webhookEndpoints).toContainEqual(endpoint.data!.createWebhookEndpoint.endpoint);
    expect(
      listed.data!.webhookEndpoints.every(
        (one: { accountId: string | null }) => one.accountId === null || one.accountId === account.id,
      ),
    ).toBe(true);

    const other = await createAccount();
    for (const about of [account, other])
      await stack.knex('notifications').insert({
        kind: 'payment_failed',
        accountId: about.id,
        recipient: 'billing@example.com',
        subject: 'Your payment failed',
        bodyText: 'We could not charge your card.',
      });
    const notices = await stack.app.graphql(
      `query($externalId: String) { notifications(externalId: $externalId) { edges { node { accountId } } } }`,
      { externalId: account.externalId },
      admin,
    );
    expect(notices.errors).toBeUndefined();
    expect(notices.data!.notifications.edges).toEqual([{ node: { accountId: account.id } }]);

    // An external id that names no account changes nothing, wherever it is given.
    const before = await stack.knex('api_keys').count({ n: '*' }).first();
    const unknown = await Promise.all([
      stack.app.graphql(
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
        { input: { name: 'x', scopes: ['BILLING_READ'], externalId: 'no-such-account' } },
        admin,
      ),
      stack.app.graphql(
        `mutation($input: UpdateAutoTopUpInput!) { updateAutoTopUp(input: $input) { enabled } }`,
        {
          input: {
            externalId: 'no-such-account',
            enabled: true,
            thresholdMilliCredits: 1_000,
            creditPackageId: '00000000-0000-0000-0000-000000000000',
          },
        },
        admin,
      ),
      stack.app.graphql(
        `mutation($input: CreateContractInput!) { createContract(input: $input) { id } }`,
        {
          input: {
            externalId: 'no-such-account',
            planId: '00000000-0000-0000-0000-000000000000',
            unitAmount: 100,
            billing: 'CARD',
          },
        },
        admin,
      ),
    ]);
    expect(unknown.map(({ errors }) => errors?.[0]?.extensions?.code)).toEqual([
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
    ]);
    expect(await stack.knex('api_keys').count({ n: '*' }).first()).toEqual(before);
  });
});
