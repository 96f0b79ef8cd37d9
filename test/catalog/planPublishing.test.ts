import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, createPartnerKey, createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller } from '../support/testApp';

/**
 * The operator defines plans through the API: a draft is never sold, publishing puts it on sale at once
 * (its Stripe price made there and then, no restart), a published version never changes, archiving
 * withdraws a plan, and a draft that could not be sold as written is refused whole, naming the field.
 */
const stack = useBillingStack();
let admin: Caller;

beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

const PLAN_FIELDS = 'id key version status active price { amount currency } interval';
const CREATE = `mutation($input: PlanDraftInput!) { createPlanDraft(input: $input) { ${PLAN_FIELDS}
  entitlements { featureKey kind limit unlimited includedQuantity meter { key } overagePrice { price { amount } blockSize } creditAllowanceMilliCredits } } }`;
const UPDATE = `mutation($id: ID!, $input: PlanDraftInput!) { updatePlanDraft(id: $id, input: $input) { ${PLAN_FIELDS} } }`;
const PUBLISH = `mutation($id: ID!) { publishPlan(id: $id) { ${PLAN_FIELDS} } }`;
const ARCHIVE = `mutation($id: ID!) { archivePlan(id: $id) { ${PLAN_FIELDS} } }`;
const PRICING = '{ plans { id key } }';
const START_CHECKOUT = `mutation($input: StartSubscriptionCheckoutInput!) {
  startSubscriptionCheckout(input: $input) { url } }`;
const START_TRIAL = `mutation($input: StartTrialInput!) { startTrial(input: $input) { subscription { status } } }`;

const draftInput = (overrides: Record<string, unknown> = {}) => ({
  key: unique('studio').replace(/-/g, '_'),
  name: 'Studio',
  tier: 'studio',
  tierRank: 3,
  interval: 'MONTH',
  priceAmount: 1234,
  currency: 'usd',
  ...overrides,
});

async function createDraft(input: Record<string, unknown>, caller: Caller = admin) {
  const { data, errors } = await stack.app.graphql(CREATE, { input }, caller);
  expect(errors).toBeUndefined();
  return data!.createPlanDraft as { id: string; key: string; version: number };
}

async function publish(id: string, caller: Caller = admin) {
  const { data, errors } = await stack.app.graphql(PUBLISH, { id }, caller);
  expect(errors).toBeUndefined();
  return data!.publishPlan;
}

const pricingPlanIds = async () =>
  ((await stack.app.graphql(PRICING)).data!.plans as Array<{ id: string }>).map((plan) => plan.id);

async function stripePricesOf(planId: string) {
  const prices = await stack.stripe.prices.list({ limit: 100 });
  return prices.data.filter((price) => price.metadata.plan_id === planId);
}

/** What a refused write must leave untouched: the catalog, its audit trail and Stripe's prices. */
async function catalogState() {
  return {
    plans: await stack.knex('plans').orderBy('id'),
    entitlements: await stack.knex('plan_entitlements').orderBy('id'),
    audit: (await stack.knex('audit_log').where('action', 'like', 'plan.%')).length,
    prices: (await stack.stripe.prices.list({ limit: 100 })).data.length,
  };
}

describe('a plan published through the API', () => {
  it('is bought through Checkout at once, without a restart, and charged to the cent', async () => {
    const draft = await createDraft(
      draftInput({
        features: ['api_access'],
        limits: [{ featureKey: 'projects', limit: 40 }],
        meteredAllowances: [
          { meterKey: 'executions', includedQuantity: 50_000, overage: { amount: 45, blockSize: 1000 } },
        ],
        creditsPerPeriodMilliCredits: 250_000,
      }),
    );
    expect(await pricingPlanIds()).not.toContain(draft.id);

    expect(await publish(draft.id)).toMatchObject({
      version: 1,
      status: 'PUBLISHED',
      active: true,
      price: { amount: 1234, currency: 'usd' },
    });
    expect(await pricingPlanIds()).toContain(draft.id);
    expect(await stripePricesOf(draft.id)).toEqual([
      expect.objectContaining({ unit_amount: 1234, currency: 'usd', lookup_key: `plan:${draft.key}:v1` }),
    ]);

    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      START_CHECKOUT,
      { input: { accountId: account.id, planId: draft.id } },
      { cookie },
    );
    expect(started.errors).toBeUndefined();
    expect((await submitCheckoutForm(started.data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();

    const subscription = await stack
      .knex('subscriptions')
      .where({ accountId: account.id })
      .whereIn('status', ['active', 'trialing'])
      .first();
    expect(subscription).toMatchObject({ planId: draft.id, status: 'active' });
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([
      expect.objectContaining({ status: 'completed', amount: 1234, currency: 'usd' }),
    ]);
    const entitlements = await stack.app.graphql(
      `query($id: ID) { account(id: $id) { entitlements { featureKey } } }`,
      { id: account.id },
      { cookie },
    );
    expect(entitlements.data!.account.entitlements.map((entry: any) => entry.featureKey)).toEqual(
      expect.arrayContaining(['api_access', 'projects', 'executions', 'credits']),
    );
  });

  it('carries what the draft said: features, limits, allowances with overage, and credits', async () => {
    const { data, errors } = await stack.app.graphql(
      CREATE,
      {
        input: draftInput({
          features: ['sso'],
          limits: [
            { featureKey: 'seats', unlimited: true },
            { featureKey: 'projects', limit: 5 },
          ],
          meteredAllowances: [
            { meterKey: 'api_calls', unlimited: true },
            { meterKey: 'executions', includedQuantity: 1000, overage: { amount: 10, blockSize: 100 } },
          ],
          creditsPerPeriodMilliCredits: 5000,
        }),
      },
      admin,
    );
    expect(errors).toBeUndefined();
    expect(data!.createPlanDraft).toMatchObject({ status: 'DRAFT', active: false, version: 1 });
    expect(data!.createPlanDraft.entitlements).toEqual([
      expect.objectContaining({
        featureKey: 'api_calls',
        kind: 'METERED',
        unlimited: true,
        meter: { key: 'api_calls' },
      }),
      expect.objectContaining({ featureKey: 'credits', kind: 'CREDITS', creditAllowanceMilliCredits: 5000 }),
      expect.objectContaining({
        featureKey: 'executions',
        kind: 'METERED',
        includedQuantity: 1000,
        overagePrice: { price: { amount: 10 }, blockSize: 100 },
      }),
      expect.objectContaining({ featureKey: 'projects', kind: 'LIMIT', limit: 5 }),
      expect.objectContaining({ featureKey: 'seats', kind: 'LIMIT', unlimited: true, limit: null }),
      expect.objectContaining({ featureKey: 'sso', kind: 'BOOLEAN' }),
    ]);
  });

  it('is published once: publishing again creates nothing more, here or in Stripe', async () => {
    const draft = await createDraft(draftInput());
    const [first, second] = await Promise.all([publish(draft.id), publish(draft.id)]);
    expect(second).toEqual(first);
    expect(await publish(draft.id)).toEqual(first);
    expect(await stripePricesOf(draft.id)).toHaveLength(1);
    expect(
      await stack.knex('audit_log').where({ action: 'plan.published', targetId: draft.id }),
    ).toHaveLength(1);
  });

  it('never changes once published: updatePlanDraft is refused and nothing is written', async () => {
    const draft = await createDraft(draftInput());
    await publish(draft.id);
    const before = await catalogState();
    const { errors } = await stack.app.graphql(
      UPDATE,
      { id: draft.id, input: draftInput({ key: draft.key, priceAmount: 1 }) },
      admin,
    );
    expect(errors?.[0]?.extensions.code).toBe('CONFLICT');
    expect(await catalogState()).toEqual(before);
  });

  it('is managed by a platform-wide key with catalog:write, and by no key bound to an account', async () => {
    const platformKey = await createPartnerKey({ scopes: ['catalog:write'] });
    const draft = await createDraft(draftInput(), { apiKey: platformKey.secret });
    expect(await publish(draft.id, { apiKey: platformKey.secret })).toMatchObject({ status: 'PUBLISHED' });
    const audit = await stack
      .knex('audit_log')
      .where({ action: 'plan.published', targetId: draft.id })
      .first();
    expect(audit).toMatchObject({ actorType: 'api_key', actorId: platformKey.apiKey.id, accountId: null });

    const { account } = await createMember({ role: 'owner' });
    const boundKey = await createPartnerKey({ scopes: ['catalog:write'], accountId: account.id });
    const refused = await stack.app.graphql(CREATE, { input: draftInput() }, { apiKey: boundKey.secret });
    expect(refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const minted = await stack.app.graphql(
      'mutation($id: ID) { createApiKey(input: { name: "catalog", scopes: [CATALOG_WRITE], accountId: $id }) { secret } }',
      { id: account.id },
      admin,
    );
    expect(minted.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { scopes: expect.any(String) },
    });
  });
});

describe('drafts and archived plans', () => {
  it('are not on the pricing page and are refused by Checkout and trials', async () => {
    const draft = await createDraft(draftInput({ trialDays: 7, trialWithoutCard: true }));
    const published = await createDraft(draftInput({ trialDays: 7, trialWithoutCard: true }));
    await publish(published.id);
    expect((await stack.app.graphql(ARCHIVE, { id: published.id }, admin)).data!.archivePlan).toMatchObject({
      status: 'ARCHIVED',
      active: false,
    });
    expect(await pricingPlanIds()).not.toEqual(expect.arrayContaining([draft.id]));
    expect(await pricingPlanIds()).not.toEqual(expect.arrayContaining([published.id]));

    for (const planId of [draft.id, published.id]) {
      const { account, cookie } = await createMember({ role: 'owner' });
      for (const operation of [START_CHECKOUT, START_TRIAL]) {
        const { errors } = await stack.app.graphql(
          operation,
          { input: { accountId: account.id, planId } },
          {
            cookie,
          },
        );
        expect(errors?.[0]?.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          fieldErrors: { planId: 'is not a plan on sale' },
        });
      }
      expect(await stack.knex('checkout_sessions').where({ accountId: account.id })).toEqual([]);
    }
  });

  it('are listed, with their status, to those who manage the catalog', async () => {
    const draft = await createDraft(draftInput());
    const { data } = await stack.app.graphql(
      '{ plans(includeInactive: true) { id status active } }',
      {},
      admin,
    );
    expect(data!.plans).toContainEqual({ id: draft.id, status: 'DRAFT', active: false });
  });

  it('cannot archive the plan new accounts start on', async () => {
    const free = await stack.knex('plans').where({ isDefault: true, active: true }).first();
    const { errors } = await stack.app.graphql(ARCHIVE, { id: free.id }, admin);
    expect(errors?.[0]?.extensions.code).toBe('CONFLICT');
    expect(await stack.knex('plans').where({ id: free.id }).first()).toMatchObject({ active: true });
  });
});

describe('the plan new accounts start on', () => {
  it('is created through the API when the catalog has none, and sign-ups start on it', async () => {
    // A fresh production catalog: no plan is where accounts start.
    const seeded = await stack
      .knex('plans')
      .where({ isDefault: true })
      .update({ isDefault: false })
      .returning('id');
    try {
      const draft = await createDraft(
        draftInput({ key: unique('basic').replace(/-/g, '_'), priceAmount: 0, isDefault: true }),
      );
      const published = await publish(draft.id);
      expect(published).toMatchObject({ status: 'PUBLISHED', active: true, price: { amount: 0 } });
      expect(await stack.knex('plans').where({ isDefault: true, active: true })).toEqual([
        expect.objectContaining({ id: draft.id, stripePriceId: null }),
      ]);
      const { account } = await createMember({ role: 'owner' });
      const { data } = await stack.app.graphql(
        `query($id: ID!) { account(id: $id) { subscription { plan { id } status } } }`,
        { id: account.id },
        admin,
      );
      expect(data).toMatchObject({ account: { subscription: { plan: { id: draft.id }, status: 'ACTIVE' } } });

      // Now there is one, another key cannot take its place.
      const { errors } = await stack.app.graphql(
        CREATE,
        { input: draftInput({ priceAmount: 0, isDefault: true }) },
        admin,
      );
      expect(errors?.[0]?.extensions).toMatchObject({ fieldErrors: { isDefault: expect.any(String) } });
    } finally {
      await stack.knex('plans').where({ isDefault: true }).update({ isDefault: false });
      await stack
        .knex('plans')
        .whereIn(
          'id',
          seeded.map((row) => row.id),
        )
        .update({ isDefault: true });
    }
  });
});

describe('a draft that could not be sold', () => {
  const meteredWith = (allowance: Record<string, unknown>) => ({
    meteredAllowances: [{ meterKey: 'executions', includedQuantity: 100, ...allowance }],
  });
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['no price for a self-serve plan', 'priceAmount', { priceAmount: 0 }],
    [
      'an allowance on an unknown meter',
      'meteredAllowances.0.meterKey',
      meteredWith({ meterKey: 'teleportations' }),
    ],
    [
      'an overage block of 0',
      'meteredAllowances.0.overage.blockSize',
      meteredWith({ overage: { amount: 5, blockSize: 0 } }),
    ],
    ['a trial on a lifetime plan', 'trialDays', { interval: 'LIFETIME', trialDays: 14 }],
    ['an unknown currency', 'currency', { currency: 'xyz' }],
    ['a card-less trial without trial days', 'trialWithoutCard', { trialWithoutCard: true }],
    [
      'a limit both capped and unlimited',
      'limits.0.limit',
      { limits: [{ featureKey: 'projects', limit: 3, unlimited: true }] },
    ],
    [
      'a feature given twice',
      'limits.0.featureKey',
      { features: ['sso'], limits: [{ featureKey: 'sso', limit: 1 }] },
    ],
    ['a price beyond what Stripe accepts', 'priceAmount', { priceAmount: 100_000_000 }],
    ['a price on the plan new accounts start on', 'priceAmount', { key: 'free', priceAmount: 500 }],
    [
      'a second starting plan beside the one accounts start on',
      'isDefault',
      { isDefault: true, priceAmount: 0 },
    ],
    ['a price on a starting plan', 'priceAmount', { key: 'free', isDefault: true, priceAmount: 100 }],
    [
      'a trial on a starting plan',
      'trialDays',
      { key: 'free', isDefault: true, priceAmount: 0, trialDays: 7 },
    ],
  ];

  it.each(cases)('is refused for %s, naming %s, and nothing is written', async (_label, field, overrides) => {
    const before = await catalogState();
    const { errors } = await stack.app.graphql(CREATE, { input: draftInput(overrides) }, admin);
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { [field]: expect.any(String) },
    });
    expect(await catalogState()).toEqual(before);
  });

  it('is refused when another draft of its key exists, naming key', async () => {
    const first = await createDraft(draftInput());
    const before = await catalogState();
    const { errors } = await stack.app.graphql(CREATE, { input: draftInput({ key: first.key }) }, admin);
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { key: expect.any(String) },
    });
    expect(await catalogState()).toEqual(before);
  });

  it('is refused on update too, leaving the draft as it was and publishing nothing', async () => {
    const draft = await createDraft(draftInput());
    const before = await catalogState();
    const { errors } = await stack.app.graphql(
      UPDATE,
      {
        id: draft.id,
        input: draftInput({ key: draft.key, ...meteredWith({ overage: { amount: 5, blockSize: 0 } }) }),
      },
      admin,
    );
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { 'meteredAllowances.0.overage.blockSize': expect.any(String) },
    });
    expect(await catalogState()).toEqual(before);
  });
});
