import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';
import type { Caller } from '../support/testApp';

/**
 * A new price is a new version: publishing it puts it on sale for new customers, and every subscriber of
 * the previous version keeps that version and its price, at renewal too (grandfathered). Neither a
 * version no longer sold nor a draft can be switched to.
 */
const stack = useBillingStack();
const time = useFollowingClock();
let admin: Caller;

beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

const FEB_15_2026 = new Date(Date.UTC(2026, 1, 15, 12));
const CREATE = `mutation($input: PlanDraftInput!) { createPlanDraft(input: $input) { id version } }`;
const PUBLISH = `mutation($id: ID!) { publishPlan(id: $id) { id version status active } }`;
const CHANGE = `mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind } }`;
const START_CHECKOUT = `mutation($input: StartSubscriptionCheckoutInput!) {
  startSubscriptionCheckout(input: $input) { url } }`;

async function publishVersion(key: string, priceAmount: number) {
  const input = {
    key,
    name: 'Studio',
    tier: 'studio',
    tierRank: 3,
    interval: 'MONTH',
    priceAmount,
    currency: 'usd',
  };
  const created = await stack.app.graphql(CREATE, { input }, admin);
  expect(created.errors).toBeUndefined();
  const published = await stack.app.graphql(PUBLISH, { id: created.data!.createPlanDraft.id }, admin);
  expect(published.errors).toBeUndefined();
  return published.data!.publishPlan as { id: string; version: number };
}

describe('publishing a new version of a key', () => {
  it('sells the new price to new buyers while the old version’s subscriber keeps its price at renewal', async () => {
    const key = unique('studio').replace(/-/g, '_');
    const v1 = await publishVersion(key, 1000);
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: key });
    const v2 = await publishVersion(key, 1500);
    expect(v2.version).toBe(2);

    const versions = await stack.knex('plans').where({ key }).orderBy('version');
    expect(versions.map((plan) => [plan.version, plan.status, plan.active])).toEqual([
      [1, 'published', false],
      [2, 'published', true],
    ]);
    const pricing = (await stack.app.graphql('{ plans { id } }')).data!.plans.map((plan: any) => plan.id);
    expect(pricing).toContain(v2.id);
    expect(pricing).not.toContain(v1.id);

    // A new buyer gets version 2, at its price.
    const buyer = await createMember({ role: 'owner' });
    const refusedV1 = await stack.app.graphql(
      START_CHECKOUT,
      { input: { accountId: buyer.account.id, planId: v1.id } },
      { cookie: buyer.cookie },
    );
    expect(refusedV1.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { planId: 'is not a plan on sale' },
    });
    const started = await stack.app.graphql(
      START_CHECKOUT,
      { input: { accountId: buyer.account.id, planId: v2.id } },
      { cookie: buyer.cookie },
    );
    expect(started.errors).toBeUndefined();
    expect((await submitCheckoutForm(started.data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();
    expect(
      await stack.knex('subscriptions').where({ accountId: buyer.account.id, status: 'active' }).first(),
    ).toMatchObject({ planId: v2.id });
    expect(await stack.knex('payments').where({ accountId: buyer.account.id })).toEqual([
      expect.objectContaining({ status: 'completed', amount: 1500 }),
    ]);

    // The version 1 subscriber renews on version 1, at its price.
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * 3_600_000));
    const local = await stack
      .knex('subscriptions')
      .where({ stripeSubscriptionId: subscribed.subscription.id })
      .first();
    expect(local).toMatchObject({ status: 'active', planId: v1.id, currentPeriodStart: FEB_15_2026 });
    const renewal = await stack
      .knex('invoices')
      .where({ accountId: subscribed.account.id })
      .orderBy('issuedAt', 'desc')
      .first();
    expect(renewal).toMatchObject({ total: 1000, status: 'paid', billingReason: 'subscription_cycle' });
  });

  it('cannot be switched to while a draft, nor once archived', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const key = unique('studio').replace(/-/g, '_');
    const draft = await stack.app.graphql(
      CREATE,
      {
        input: {
          key,
          name: 'Big',
          tier: 'big',
          tierRank: 9,
          interval: 'MONTH',
          priceAmount: 90_000,
          currency: 'usd',
        },
      },
      admin,
    );
    const draftId = draft.data!.createPlanDraft.id as string;
    const archived = await publishVersion(unique('gone').replace(/-/g, '_'), 80_000);
    expect(
      (
        await stack.app.graphql(
          'mutation($id: ID!) { archivePlan(id: $id) { status } }',
          { id: archived.id },
          admin,
        )
      ).errors,
    ).toBeUndefined();

    for (const planId of [draftId, archived.id]) {
      const { errors } = await stack.app.graphql(
        CHANGE,
        { input: { accountId: subscribed.account.id, planId } },
        { cookie: subscribed.cookie },
      );
      expect(errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { planId: 'is not a plan on sale' },
      });
    }
    const local = await stack
      .knex('subscriptions')
      .where({ stripeSubscriptionId: subscribed.subscription.id })
      .first();
    expect((await stack.knex('plans').where({ id: local.planId }).first()).key).toBe('pro_monthly');
  });

  it('archived, keeps its subscribers on it at renewal', async () => {
    const key = unique('studio').replace(/-/g, '_');
    const v1 = await publishVersion(key, 700);
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: key });
    const archived = await stack.app.graphql(
      'mutation($id: ID!) { archivePlan(id: $id) { status active } }',
      { id: v1.id },
      admin,
    );
    expect(archived.data!.archivePlan).toEqual({ status: 'ARCHIVED', active: false });
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * 3_600_000));
    const local = await stack
      .knex('subscriptions')
      .where({ stripeSubscriptionId: subscribed.subscription.id })
      .first();
    expect(local).toMatchObject({ status: 'active', planId: v1.id, currentPeriodStart: FEB_15_2026 });
  });
});
