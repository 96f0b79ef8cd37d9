import { failAt, type FaultPoint } from '../../server/faultPoints';
import { createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { interruptions, useInterruptedRequests } from '../support/interruptedRequests';
import type { Caller } from '../support/testApp';

/**
 * Publishing stopped after its Stripe call (or just before its commit), by a crash or a failure, then
 * retried: the plan is published once, with one Stripe product and one price, the ones the first
 * attempt made.
 */
const stack = useBillingStack();
const interrupt = useInterruptedRequests(stack);
let admin: Caller;

beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

const CREATE = `mutation($input: PlanDraftInput!) { createPlanDraft(input: $input) { id } }`;
const PUBLISH = `mutation($id: ID!) { publishPlan(id: $id) { id status active } }`;
const POINTS: FaultPoint[] = ['planPublish.afterStripeCall', 'planPublish.beforeCommit'];

describe('a publication retried after an interruption', () => {
  it.each(interruptions(POINTS))('makes one Stripe price after a %s at %s', async (how, point) => {
    const input = {
      key: unique('studio').replace(/-/g, '_'),
      name: 'Studio',
      tier: 'studio',
      tierRank: 3,
      interval: 'YEAR',
      priceAmount: 12_000,
      currency: 'usd',
    };
    const created = await stack.app.graphql(CREATE, { input }, admin);
    const planId = created.data!.createPlanDraft.id as string;

    await interrupt(how, point, [PUBLISH, { id: planId }, admin]);
    expect(await stack.knex('plans').where({ id: planId }).first()).toMatchObject({
      status: 'draft',
      active: false,
      stripePriceId: null,
    });
    const pricesAfterInterruption = (await stack.stripe.prices.list({ limit: 100 })).data.filter(
      (price) => price.metadata.plan_id === planId,
    );
    expect(pricesAfterInterruption).toHaveLength(1);

    const retried = await stack.app.graphql(PUBLISH, { id: planId }, admin);
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.publishPlan).toEqual({ id: planId, status: 'PUBLISHED', active: true });

    const prices = (await stack.stripe.prices.list({ limit: 100 })).data.filter(
      (price) => price.metadata.plan_id === planId,
    );
    expect(prices).toEqual([
      expect.objectContaining({
        id: pricesAfterInterruption[0]!.id,
        unit_amount: 12_000,
        recurring: expect.objectContaining({ interval: 'year' }),
      }),
    ]);
    const products = (await stack.stripe.products.list({ limit: 100 })).data.filter(
      (product) => product.metadata.plan_id === planId,
    );
    expect(products).toHaveLength(1);
    expect(await stack.knex('plans').where({ id: planId }).first()).toMatchObject({
      stripePriceId: prices[0]!.id,
      stripeProductId: products[0]!.id,
    });
    expect(await stack.knex('audit_log').where({ action: 'plan.published', targetId: planId })).toHaveLength(
      1,
    );
  });

  it('sells the draft as it is now when it changed after a failed attempt made a price', async () => {
    const input = {
      key: unique('studio').replace(/-/g, '_'),
      name: 'Studio',
      tier: 'studio',
      tierRank: 3,
      interval: 'MONTH',
      priceAmount: 2000,
      currency: 'usd',
    };
    const planId = (await stack.app.graphql(CREATE, { input }, admin)).data!.createPlanDraft.id as string;
    failAt('planPublish.afterStripeCall');
    expect((await stack.app.graphql(PUBLISH, { id: planId }, admin)).errors?.[0]?.extensions.code).toBe(
      'INTERNAL',
    );
    const updated = await stack.app.graphql(
      'mutation($id: ID!, $input: PlanDraftInput!) { updatePlanDraft(id: $id, input: $input) { id } }',
      { id: planId, input: { ...input, priceAmount: 2500 } },
      admin,
    );
    expect(updated.errors).toBeUndefined();
    expect((await stack.app.graphql(PUBLISH, { id: planId }, admin)).errors).toBeUndefined();

    const plan = await stack.knex('plans').where({ id: planId }).first();
    expect(await stack.stripe.prices.retrieve(plan.stripePriceId)).toMatchObject({
      unit_amount: 2500,
      lookup_key: `plan:${input.key}:v1`,
    });
  });
});
