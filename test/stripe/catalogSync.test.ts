import { createLogger } from '../../server/logger';
import { syncCatalogToStripe } from '../../server/stripe/catalogSync';
import { useBillingStack } from '../support/billingStack';

const stack = useBillingStack();
const logger = createLogger({ level: 'silent' });

describe('catalog sync to Stripe', () => {
  it('gives every sellable plan and credit package a Stripe price found by its lookup key', async () => {
    const plans = await stack.knex('plans').orderBy('key');
    const sellable = plans.filter((plan) => plan.priceAmount > 0 && plan.purchaseMode === 'self_serve');
    expect(sellable.map((plan) => plan.key)).toEqual([
      'max_monthly',
      'pro_lifetime',
      'pro_monthly',
      'pro_yearly',
      'starter_monthly',
      'team_monthly',
    ]);
    for (const plan of sellable) {
      const price = await stack.stripe.prices.retrieve(plan.stripePriceId);
      expect(price).toMatchObject({
        lookup_key: `plan:${plan.key}:v1`,
        unit_amount: plan.priceAmount,
        currency: 'usd',
        product: plan.stripeProductId,
      });
      expect(price.recurring?.interval ?? 'lifetime').toBe(plan.billingInterval);
    }
    expect(
      plans.filter((plan) => !sellable.includes(plan)).every((plan) => plan.stripePriceId === null),
    ).toBe(true);
    const packages = await stack.knex('credit_packages');
    for (const creditPackage of packages) {
      expect(await stack.stripe.prices.retrieve(creditPackage.stripePriceId)).toMatchObject({
        lookup_key: `credit_package:${creditPackage.key}`,
        unit_amount: creditPackage.priceAmount,
        recurring: null,
      });
    }
  });

  it('changes nothing when it runs again, even twice at once', async () => {
    const before = await stack.knex('plans').select('id', 'stripePriceId', 'stripeProductId').orderBy('id');
    const pricesBefore = (await stack.stripe.prices.list({ limit: 100 })).data.length;
    await Promise.all([syncCatalogToStripe({ logger }), syncCatalogToStripe({ logger })]);
    expect(await stack.knex('plans').select('id', 'stripePriceId', 'stripeProductId').orderBy('id')).toEqual(
      before,
    );
    expect((await stack.stripe.prices.list({ limit: 100 })).data).toHaveLength(pricesBefore);
  });

  it('gives a new plan version its own price and leaves the old version’s alone', async () => {
    const current = await stack.knex('plans').where({ key: 'starter_monthly', active: true }).first();
    await stack.knex('plans').where({ id: current.id }).update({ active: false });
    const {
      id: _id,
      stripePriceId: _price,
      stripeProductId: _product,
      createdAt: _created,
      updatedAt: _updated,
      ...copy
    } = current;
    const [next] = await stack
      .knex('plans')
      .insert({ ...copy, version: 2, priceAmount: 1299, active: true })
      .returning('*');
    await syncCatalogToStripe({ logger });
    const synced = await stack.knex('plans').where({ id: next.id }).first();
    expect(await stack.stripe.prices.retrieve(synced.stripePriceId)).toMatchObject({
      lookup_key: 'plan:starter_monthly:v2',
      unit_amount: 1299,
    });
    expect(await stack.stripe.prices.retrieve(current.stripePriceId)).toMatchObject({
      lookup_key: 'plan:starter_monthly:v1',
      unit_amount: 999,
    });
  });
});
