import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createAccount, createPartnerKey, createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller } from '../support/testApp';

/**
 * Partners name plans by key, as they hold them, rather than by the id of a version: a key means the
 * version on sale now, so publishing a new version changes what the key buys without the partner
 * changing anything. Credit packages are named by key likewise.
 */
const stack = useBillingStack();
let admin: Caller;

beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

const START = `mutation($input: StartSubscriptionCheckoutInput!) {
  startSubscriptionCheckout(input: $input) { url checkoutSession { id plan { id key version } } }
}`;
const CREDITS = `mutation($input: StartCreditPackageCheckoutInput!) {
  startCreditPackageCheckout(input: $input) { checkoutSession { creditPackage { key } } }
}`;
const TRIAL = `mutation($input: StartTrialInput!) { startTrial(input: $input) { subscription { status plan { key } } } }`;
const PREVIEW = `query($accountId: ID!, $planId: ID, $planKey: String) {
  previewPlanChange(accountId: $accountId, planId: $planId, planKey: $planKey) { kind plan { key } }
}`;
const CHANGE = `mutation($input: ChangePlanInput!) {
  changePlan(input: $input) { subscription { plan { key } } }
}`;
const CREATE = `mutation($input: PlanDraftInput!) { createPlanDraft(input: $input) { id key version } }`;
const PUBLISH = `mutation($id: ID!) { publishPlan(id: $id) { id version active } }`;

async function partnerOfNewAccount(): Promise<{ accountId: string; partner: Caller }> {
  const account = await createAccount();
  const key = await createPartnerKey({ scopes: ['billing:write'], accountId: account.id });
  return { accountId: account.id, partner: { apiKey: key.secret } };
}

async function publishVersion(key: string, priceAmount: number) {
  const created = await stack.app.graphql(
    CREATE,
    {
      input: {
        key,
        name: 'Studio',
        tier: 'studio',
        tierRank: 3,
        interval: 'MONTH',
        priceAmount,
        currency: 'usd',
      },
    },
    admin,
  );
  expect(created.errors).toBeUndefined();
  const published = await stack.app.graphql(PUBLISH, { id: created.data!.createPlanDraft.id }, admin);
  expect(published.errors).toBeUndefined();
  return published.data!.publishPlan as { id: string; version: number; active: boolean };
}

const fieldErrorsOf = (result: { errors?: Array<{ extensions: Record<string, any> }> }) => {
  expect(result.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  return result.errors![0]!.extensions.fieldErrors as Record<string, string>;
};

describe('plans by key', () => {
  it('buys the version on sale, and the new one once it is published', async () => {
    const key = unique('studio').replace(/-/g, '_');
    const first = await publishVersion(key, 1500);
    const { accountId, partner } = await partnerOfNewAccount();
    const bought = await stack.app.graphql(START, { input: { accountId, planKey: key } }, partner);
    expect(bought.errors).toBeUndefined();
    expect(bought.data!.startSubscriptionCheckout.checkoutSession.plan).toEqual({
      id: first.id,
      key,
      version: 1,
    });
    const session = await stack.stripe.checkout.sessions.retrieve(
      (
        await stack
          .knex('checkout_sessions')
          .where({ id: bought.data!.startSubscriptionCheckout.checkoutSession.id })
          .first()
      ).stripeCheckoutSessionId,
    );
    expect(session.amount_total).toBe(1500);

    const second = await publishVersion(key, 2500);
    expect(second).toMatchObject({ version: 2, active: true });
    const again = await stack.app.graphql(START, { input: { accountId, planKey: key } }, partner);
    expect(again.errors).toBeUndefined();
    expect(again.data!.startSubscriptionCheckout.checkoutSession.plan).toEqual({
      id: second.id,
      key,
      version: 2,
    });
    const paid = await submitCheckoutForm(again.data!.startSubscriptionCheckout.url);
    expect(paid.status).toBe(303);
    await stack.settle();
    const subscription = await stack.knex('subscriptions').where({ accountId, status: 'active' }).first();
    expect(subscription).toMatchObject({ planId: second.id });
  });

  it('refuses an unknown key, and both or neither of planId and planKey, naming the fields', async () => {
    const { accountId, partner } = await partnerOfNewAccount();
    const [{ count: before }] = await stack.knex('checkout_sessions').count({ count: '*' });
    const proId = (await stack.knex('plans').where({ key: 'pro_monthly', active: true }).first()).id;

    const unknown = await stack.app.graphql(
      START,
      { input: { accountId, planKey: 'no_such_plan' } },
      partner,
    );
    expect(fieldErrorsOf(unknown)).toEqual({ planKey: 'is not a plan on sale' });
    const both = await stack.app.graphql(
      START,
      { input: { accountId, planId: proId, planKey: 'pro_monthly' } },
      partner,
    );
    expect(fieldErrorsOf(both)).toEqual({
      planId: 'give planId or planKey, not both',
      planKey: 'give planId or planKey, not both',
    });
    const neither = await stack.app.graphql(START, { input: { accountId } }, partner);
    expect(fieldErrorsOf(neither)).toEqual({
      planId: 'give planId or planKey',
      planKey: 'give planId or planKey',
    });
    const sales = await stack.app.graphql(START, { input: { accountId, planKey: 'enterprise' } }, partner);
    expect(Object.keys(fieldErrorsOf(sales))).toEqual(['planKey']);
    const trial = await stack.app.graphql(TRIAL, { input: { accountId } }, partner);
    expect(Object.keys(fieldErrorsOf(trial))).toEqual(['planId', 'planKey']);

    const [{ count: after }] = await stack.knex('checkout_sessions').count({ count: '*' });
    expect(after).toBe(before);
  });

  it('starts a trial, previews and changes plans by key', async () => {
    const trialing = await partnerOfNewAccount();
    const trial = await stack.app.graphql(
      TRIAL,
      { input: { accountId: trialing.accountId, planKey: 'starter_monthly' } },
      trialing.partner,
    );
    expect(trial.errors).toBeUndefined();
    expect(trial.data!.startTrial.subscription).toEqual({
      status: 'TRIALING',
      plan: { key: 'starter_monthly' },
    });

    const { accountId, partner } = await partnerOfNewAccount();
    const bought = await stack.app.graphql(START, { input: { accountId, planKey: 'pro_monthly' } }, partner);
    expect(bought.errors).toBeUndefined();
    expect((await submitCheckoutForm(bought.data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();

    const preview = await stack.app.graphql(PREVIEW, { accountId, planKey: 'max_monthly' }, partner);
    expect(preview.errors).toBeUndefined();
    expect(preview.data!.previewPlanChange).toEqual({ kind: 'UPGRADE', plan: { key: 'max_monthly' } });
    const unknown = await stack.app.graphql(PREVIEW, { accountId, planKey: 'no_such_plan' }, partner);
    expect(fieldErrorsOf(unknown)).toEqual({ planKey: 'is not a plan on sale' });
    const same = await stack.app.graphql(CHANGE, { input: { accountId, planKey: 'pro_monthly' } }, partner);
    expect(fieldErrorsOf(same)).toEqual({ planKey: 'is the current plan' });
    const changed = await stack.app.graphql(
      CHANGE,
      { input: { accountId, planKey: 'max_monthly' } },
      partner,
    );
    expect(changed.errors).toBeUndefined();
    expect(changed.data!.changePlan.subscription.plan).toEqual({ key: 'max_monthly' });
  });

  it('buys a credit package by key', async () => {
    const { accountId, partner } = await partnerOfNewAccount();
    const byKey = await stack.app.graphql(
      CREDITS,
      { input: { accountId, creditPackageKey: 'credits_500' } },
      partner,
    );
    expect(byKey.errors).toBeUndefined();
    expect(byKey.data!.startCreditPackageCheckout.checkoutSession.creditPackage).toEqual({
      key: 'credits_500',
    });

    const unknown = await stack.app.graphql(
      CREDITS,
      { input: { accountId, creditPackageKey: 'credits_0' } },
      partner,
    );
    expect(fieldErrorsOf(unknown)).toEqual({ creditPackageKey: 'is not a credit package on sale' });
    const neither = await stack.app.graphql(CREDITS, { input: { accountId } }, partner);
    expect(Object.keys(fieldErrorsOf(neither))).toEqual(['creditPackageId', 'creditPackageKey']);
  });
});
