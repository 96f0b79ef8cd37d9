import { createDemoCatalog } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

describe('the public catalog', () => {
  it('lists the seeded plans with prices in minor units and their entitlements, to a visitor', async () => {
    const { data, errors } = await app.graphql(`{
      plans { key interval perSeat purchaseMode trialDays trialWithoutCard price { amount currency }
              entitlements { featureKey kind limit unlimited includedQuantity creditAllowanceMilliCredits meter { key } overagePrice { price { amount } blockSize } } }
    }`);
    expect(errors).toBeUndefined();
    const plans = data!.plans as Array<Record<string, any>>;
    expect(plans.map((plan) => plan.key)).toEqual([
      'free',
      'starter_monthly',
      'pro_monthly',
      'pro_yearly',
      'team_monthly',
      'max_monthly',
      'enterprise',
      'pro_lifetime',
    ]);
    const pro = plans.find((plan) => plan.key === 'pro_monthly')!;
    expect(pro.price).toEqual({ amount: 2999, currency: 'usd' });
    expect(pro.trialDays).toBe(14);
    const executions = pro.entitlements.find((entitlement: any) => entitlement.featureKey === 'executions');
    expect(executions).toMatchObject({
      kind: 'METERED',
      includedQuantity: 100_000,
      meter: { key: 'executions' },
      overagePrice: { price: { amount: 50 }, blockSize: 1000 },
    });
    expect(pro.entitlements.find((entitlement: any) => entitlement.featureKey === 'credits')).toMatchObject({
      kind: 'CREDITS',
      creditAllowanceMilliCredits: 1_000_000,
    });
    expect(plans.find((plan) => plan.key === 'team_monthly')!.perSeat).toBe(true);
    expect(plans.find((plan) => plan.key === 'enterprise')!.purchaseMode).toBe('CONTACT_SALES');
    expect(plans.find((plan) => plan.key === 'pro_lifetime')!.interval).toBe('LIFETIME');
    expect(plans.find((plan) => plan.key === 'starter_monthly')).toMatchObject({
      trialDays: 7,
      trialWithoutCard: true,
    });
  });

  it('lists credit packages and meters with their credit weights', async () => {
    const { data } =
      await app.graphql(`{ creditPackages { key milliCredits price { amount } availableForPurchase availableForAutoTopUp }
                                          meters { key aggregation creditCostMilliCredits } }`);
    expect(
      data!.creditPackages.filter((p: any) => p.availableForPurchase).map((p: any) => p.milliCredits),
    ).toEqual([500_000, 1_000_000, 5_000_000, 10_000_000]);
    expect(data!.creditPackages.find((p: any) => p.availableForAutoTopUp)).toMatchObject({
      milliCredits: 500_000,
      price: { amount: 2000 },
    });
    const weights = Object.fromEntries(
      data!.meters.map((meter: any) => [meter.key, meter.creditCostMilliCredits]),
    );
    expect(weights).toMatchObject({
      'agent_action.small': 1000,
      'agent_action.medium': 2500,
      'agent_action.large': 5000,
      'agent_action.xl': 15_000,
    });
  });

  it('seeding twice changes nothing', async () => {
    const before = await db.knex('plan_entitlements').count<{ count: number }[]>('* as count');
    await createDemoCatalog(db.knex);
    const after = await db.knex('plan_entitlements').count<{ count: number }[]>('* as count');
    expect(after).toEqual(before);
  });
});
