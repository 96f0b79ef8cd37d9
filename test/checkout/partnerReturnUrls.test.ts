import { useSettings } from '../../server/settings';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createAccount, createPartnerKey, createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller } from '../support/testApp';

/**
 * A partner integrating through the API sends its customers back to its own pages after Checkout and
 * the billing portal, on origins the platform allows; anything else is refused before anything opens.
 */
const stack = useBillingStack();

const PARTNER = 'https://app.partner.example';
let restoreSettings: () => void;
beforeAll(() => {
  restoreSettings = useSettings({ partnerReturnUrls: { origins: [PARTNER], allowHttp: false } });
});
afterAll(() => restoreSettings());

const START = `mutation($input: StartSubscriptionCheckoutInput!) {
  startSubscriptionCheckout(input: $input) { url checkoutSession { id } }
}`;
const CREDITS = `mutation($input: StartCreditPackageCheckoutInput!) {
  startCreditPackageCheckout(input: $input) { url checkoutSession { id } }
}`;
const PORTAL = `mutation($input: OpenBillingPortalInput!) { openBillingPortal(input: $input) { url } }`;

async function partnerOfNewAccount(): Promise<{ accountId: string; partner: Caller }> {
  const account = await createAccount();
  const key = await createPartnerKey({ scopes: ['billing:write'], accountId: account.id });
  return { accountId: account.id, partner: { apiKey: key.secret } };
}

const planId = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;

const stripeSessionIdOf = async (checkoutId: string) =>
  (await stack.knex('checkout_sessions').where({ id: checkoutId }).first()).stripeCheckoutSessionId as string;

async function whatExists() {
  const sessions = await stack.stripe.checkout.sessions
    .list({ limit: 100 })
    .autoPagingToArray({ limit: 10_000 });
  const [{ count }] = await stack.knex('checkout_sessions').count({ count: '*' });
  return { rows: Number(count), stripeSessions: sessions.length };
}

describe('partner return URLs', () => {
  it('sends the customer who paid to the partner success URL, with the session id filled in', async () => {
    const { accountId, partner } = await partnerOfNewAccount();
    const successUrl = `${PARTNER}/welcome?session={CHECKOUT_SESSION_ID}`;
    const cancelUrl = `${PARTNER}/pricing`;
    const { data, errors } = await stack.app.graphql(
      START,
      { input: { accountId, planId: await planId('pro_monthly'), successUrl, cancelUrl } },
      partner,
    );
    expect(errors).toBeUndefined();
    const { url, checkoutSession } = data!.startSubscriptionCheckout;
    const stripeSessionId = await stripeSessionIdOf(checkoutSession.id);

    const session = await stack.stripe.checkout.sessions.retrieve(stripeSessionId);
    expect(session).toMatchObject({ success_url: successUrl, cancel_url: cancelUrl });
    const page = await (await fetch(url)).text();
    expect(page).toContain(`href="${cancelUrl}"`);

    const paid = await submitCheckoutForm(url);
    expect(paid).toMatchObject({ status: 303, location: `${PARTNER}/welcome?session=${stripeSessionId}` });
    await stack.settle();
    expect(await stack.knex('checkout_sessions').where({ id: checkoutSession.id }).first()).toMatchObject({
      status: 'completed',
    });
  });

  it('returns from a credit package Checkout to the partner, and keeps our pages by default', async () => {
    const { accountId, partner } = await partnerOfNewAccount();
    const creditPackageId = (await stack.knex('creditPackages').where({ key: 'credits_500' }).first()).id;
    const own = await stack.app.graphql(CREDITS, { input: { accountId, creditPackageId } }, partner);
    expect(own.errors).toBeUndefined();
    const ownSession = await stack.stripe.checkout.sessions.retrieve(
      await stripeSessionIdOf(own.data!.startCreditPackageCheckout.checkoutSession.id),
    );
    expect(ownSession.success_url).toBe(
      `${stack.app.url}/billing/checkout/success?checkout=${own.data!.startCreditPackageCheckout.checkoutSession.id}`,
    );

    const successUrl = `${PARTNER}/credits/thanks`;
    const theirs = await stack.app.graphql(
      CREDITS,
      { input: { accountId, creditPackageId, successUrl } },
      partner,
    );
    expect(theirs.errors).toBeUndefined();
    const paid = await submitCheckoutForm(theirs.data!.startCreditPackageCheckout.url);
    expect(paid).toMatchObject({ status: 303, location: successUrl });
  });

  it('returns from the billing portal to the partner page', async () => {
    const { accountId, partner } = await partnerOfNewAccount();
    const returnUrl = `${PARTNER}/account/billing?tab=invoices`;
    const { data, errors } = await stack.app.graphql(PORTAL, { input: { accountId, returnUrl } }, partner);
    expect(errors).toBeUndefined();
    const page = await (await fetch(data!.openBillingPortal.url)).text();
    expect(page).toContain(`href="${returnUrl.replace('&', '&amp;')}"`);

    const both = await stack.app.graphql(
      PORTAL,
      { input: { accountId, returnUrl, returnPath: '/billing' } },
      partner,
    );
    expect(both.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { returnUrl: expect.any(String) },
    });
  });

  it.each([
    ['another origin', 'https://evil.example/welcome', 'is not an allowed return origin'],
    ['a look-alike origin', 'https://app.partner.example.evil.example/', 'is not an allowed return origin'],
    ['plain http', 'http://app.partner.example/welcome', 'must be an https URL'],
    ['another scheme', 'javascript:alert(1)', 'must be an https URL'],
    ['a relative URL', '/welcome', 'must be an absolute URL'],
    ['credentials', 'https://user:pass@app.partner.example/', 'must not carry a user name or password'],
    ['a backslash', 'https://app.partner.example\\@evil.example/', 'without spaces or backslashes'],
  ])('refuses %s, naming the field, and opens nothing', async (_case, badUrl, problem) => {
    const { accountId, partner } = await partnerOfNewAccount();
    const before = await whatExists();
    const plan = await planId('pro_monthly');
    for (const field of ['successUrl', 'cancelUrl']) {
      const { errors } = await stack.app.graphql(
        START,
        { input: { accountId, planId: plan, [field]: badUrl } },
        partner,
      );
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(errors?.[0]?.extensions?.fieldErrors).toEqual({ [field]: expect.stringContaining(problem) });
    }
    const portal = await stack.app.graphql(PORTAL, { input: { accountId, returnUrl: badUrl } }, partner);
    expect(portal.errors?.[0]?.extensions?.fieldErrors).toEqual({
      returnUrl: expect.stringContaining(problem),
    });
    expect(await whatExists()).toEqual(before);
    expect(await stack.knex('accounts').where({ id: accountId }).first()).toMatchObject({
      stripeCustomerId: null,
    });
  });

  it('also accepts the origins of the API key, given when it was created, for that key only', async () => {
    const own = 'https://shop.partner-two.example';
    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const created = await stack.app.graphql(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { returnOrigins } } }`,
      { input: { name: 'Partner two', scopes: ['BILLING_WRITE'], returnOrigins: [`${own}/`] } },
      admin,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createApiKey.apiKey.returnOrigins).toEqual([own]);
    const withOrigins: Caller = { apiKey: created.data!.createApiKey.secret };
    const { accountId, partner: withoutOrigins } = await partnerOfNewAccount();

    const input = { accountId, planId: await planId('pro_monthly'), successUrl: `${own}/done` };
    const refused = await stack.app.graphql(START, { input }, withoutOrigins);
    expect(refused.errors?.[0]?.extensions?.fieldErrors).toEqual({
      successUrl: expect.stringContaining('is not an allowed return origin'),
    });
    const accepted = await stack.app.graphql(START, { input }, withOrigins);
    expect(accepted.errors).toBeUndefined();
    const portal = await stack.app.graphql(
      PORTAL,
      { input: { accountId, returnUrl: `${own}/account` } },
      withOrigins,
    );
    expect(portal.errors).toBeUndefined();

    const badOrigin = await stack.app.graphql(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
      { input: { name: 'Bad', scopes: ['BILLING_WRITE'], returnOrigins: ['https://shop.example/path'] } },
      admin,
    );
    expect(badOrigin.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { 'returnOrigins.0': 'must be an origin such as https://app.example.com, without a path' },
    });
  });

  it('accepts plain http outside production', async () => {
    const restore = useSettings({
      partnerReturnUrls: { origins: ['http://localhost:4000'], allowHttp: true },
    });
    try {
      const { accountId, partner } = await partnerOfNewAccount();
      const { errors } = await stack.app.graphql(
        START,
        {
          input: { accountId, planId: await planId('pro_monthly'), successUrl: 'http://localhost:4000/done' },
        },
        partner,
      );
      expect(errors).toBeUndefined();
    } finally {
      restore();
    }
  });

  it('treats other return URLs under the same idempotency key as another request (CONFLICT)', async () => {
    const { accountId, partner } = await partnerOfNewAccount();
    const input = {
      accountId,
      planId: await planId('pro_monthly'),
      successUrl: `${PARTNER}/a`,
      idempotencyKey: 'partner-checkout-1',
    };
    const first = await stack.app.graphql(START, { input }, partner);
    expect(first.errors).toBeUndefined();
    const again = await stack.app.graphql(START, { input }, partner);
    expect(again.data!.startSubscriptionCheckout).toEqual(first.data!.startSubscriptionCheckout);

    const before = await whatExists();
    const other = await stack.app.graphql(
      START,
      { input: { ...input, successUrl: `${PARTNER}/b` } },
      partner,
    );
    expect(other.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const cancel = await stack.app.graphql(
      START,
      { input: { ...input, cancelUrl: `${PARTNER}/c` } },
      partner,
    );
    expect(cancel.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await whatExists()).toEqual(before);
  });
});
