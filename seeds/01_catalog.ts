import type { Knex } from 'knex';

/**
 * The demo catalog. It exercises every pricing mechanic the product supports: a free default plan, a
 * cheap self-serve tier with a card-less trial, Pro monthly and yearly (yearly at 20% off) with a
 * card trial, a per-seat plan, a high tier with a 30-day trial, Enterprise (contact sales) and a lifetime
 * plan; countable limits, metered allowances with and without overage, a monthly credit allowance, meters
 * for agent actions of four sizes, and credit packages including the automatic top-up package.
 *
 * Amounts are minor units (cents); credits are milli-credits (1 credit = 1000). Rows are keyed by
 * (plan key, version) and inserted only when missing: to change a price, add a version.
 */

const CREDIT = 1000;

export const meters = [
  {
    key: 'agent_action.small',
    name: 'Small agent actions',
    aggregation: 'sum',
    unit: 'action',
    creditCostPerUnit: 1 * CREDIT,
  },
  {
    key: 'agent_action.medium',
    name: 'Medium agent actions',
    aggregation: 'sum',
    unit: 'action',
    creditCostPerUnit: 2.5 * CREDIT,
  },
  {
    key: 'agent_action.large',
    name: 'Large agent actions',
    aggregation: 'sum',
    unit: 'action',
    creditCostPerUnit: 5 * CREDIT,
  },
  {
    key: 'agent_action.xl',
    name: 'XL agent actions',
    aggregation: 'sum',
    unit: 'action',
    creditCostPerUnit: 15 * CREDIT,
  },
  {
    key: 'executions',
    name: 'Workflow executions',
    aggregation: 'count',
    unit: 'execution',
    creditCostPerUnit: null,
  },
  { key: 'api_calls', name: 'API calls', aggregation: 'sum', unit: 'call', creditCostPerUnit: 1 * CREDIT },
  { key: 'storage_gb', name: 'Storage', aggregation: 'max', unit: 'GB', creditCostPerUnit: null },
  {
    key: 'active_users',
    name: 'Active users',
    aggregation: 'unique_count',
    fieldName: 'user_id',
    unit: 'user',
    creditCostPerUnit: null,
  },
] as const;

type Limits = Partial<
  Record<
    'seats' | 'projects' | 'agents' | 'rooms' | 'participants_per_room' | 'gateways' | 'storage_gb',
    number | 'unlimited'
  >
>;
type Allowances = Partial<Record<(typeof meters)[number]['key'], number | 'unlimited'>>;

interface PlanSeed {
  key: string;
  name: string;
  description: string;
  tier: string;
  tierRank: number;
  billingInterval: 'month' | 'year' | 'lifetime';
  priceAmount: number;
  trialDays?: number;
  trialWithoutCard?: boolean;
  perSeat?: boolean;
  purchaseMode?: 'self_serve' | 'contact_sales';
  isDefault?: boolean;
  displayOrder: number;
  features: string[];
  limits: Limits;
  allowances: Allowances;
  /** Overage per block beyond the allowance: [meter key, cents per block, block size]. */
  overage?: Array<[keyof Allowances, number, number]>;
  monthlyCredits?: number;
}

const agentActions = (small: number, medium: number, large: number, xl: number): Allowances => ({
  'agent_action.small': small,
  'agent_action.medium': medium,
  'agent_action.large': large,
  'agent_action.xl': xl,
});

const proLimits: Limits = {
  seats: 10,
  projects: 100,
  agents: 100,
  rooms: 50,
  participants_per_room: 500,
  gateways: 10,
  storage_gb: 100,
};
const proAllowances: Allowances = {
  ...agentActions(2500, 1000, 500, 160),
  executions: 100_000,
  api_calls: 1_000_000,
};
const proFeatures = ['api_access', 'priority_support', 'custom_branding'];

export const plans: PlanSeed[] = [
  {
    key: 'free',
    name: 'Free',
    description: 'For trying things out.',
    tier: 'free',
    tierRank: 0,
    billingInterval: 'month',
    priceAmount: 0,
    isDefault: true,
    displayOrder: 0,
    features: [],
    limits: {
      seats: 3,
      projects: 3,
      agents: 10,
      rooms: 3,
      participants_per_room: 50,
      gateways: 1,
      storage_gb: 1,
    },
    allowances: { ...agentActions(10, 4, 2, 1), executions: 10_000, api_calls: 1_000 },
  },
  {
    key: 'starter_monthly',
    name: 'Starter',
    description: 'For individuals shipping their first agents.',
    tier: 'starter',
    tierRank: 1,
    billingInterval: 'month',
    priceAmount: 999,
    trialDays: 7,
    trialWithoutCard: true,
    displayOrder: 10,
    features: ['api_access'],
    limits: {
      seats: 3,
      projects: 10,
      agents: 25,
      rooms: 10,
      participants_per_room: 100,
      gateways: 2,
      storage_gb: 10,
    },
    allowances: { ...agentActions(250, 100, 50, 15), executions: 25_000, api_calls: 100_000 },
  },
  {
    key: 'pro_monthly',
    name: 'Pro',
    description: 'For growing teams.',
    tier: 'pro',
    tierRank: 2,
    billingInterval: 'month',
    priceAmount: 2999,
    trialDays: 14,
    displayOrder: 20,
    features: proFeatures,
    limits: proLimits,
    allowances: proAllowances,
    overage: [['executions', 50, 1000]],
    monthlyCredits: 1000 * CREDIT,
  },
  {
    key: 'pro_yearly',
    name: 'Pro',
    description: 'For growing teams, billed yearly (20% off).',
    tier: 'pro',
    tierRank: 2,
    billingInterval: 'year',
    priceAmount: 28_800,
    trialDays: 14,
    displayOrder: 21,
    features: proFeatures,
    limits: proLimits,
    allowances: proAllowances,
    overage: [['executions', 50, 1000]],
    monthlyCredits: 1000 * CREDIT,
  },
  {
    key: 'team_monthly',
    name: 'Team',
    description: 'Priced per seat, for organisations that grow by people.',
    tier: 'team',
    tierRank: 3,
    billingInterval: 'month',
    priceAmount: 4900,
    perSeat: true,
    trialDays: 14,
    displayOrder: 30,
    features: [...proFeatures, 'sso'],
    limits: {
      seats: 'unlimited',
      projects: 'unlimited',
      agents: 250,
      rooms: 200,
      participants_per_room: 1000,
      gateways: 25,
      storage_gb: 500,
    },
    allowances: { ...agentActions(5000, 2000, 1000, 320), executions: 250_000, api_calls: 'unlimited' },
    overage: [['executions', 40, 1000]],
    monthlyCredits: 2500 * CREDIT,
  },
  {
    key: 'max_monthly',
    name: 'Max',
    description: 'For heavy automation at scale.',
    tier: 'max',
    tierRank: 4,
    billingInterval: 'month',
    priceAmount: 49_999,
    trialDays: 30,
    displayOrder: 40,
    features: [...proFeatures, 'sso', 'audit_log_export'],
    limits: {
      seats: 50,
      projects: 'unlimited',
      agents: 1000,
      rooms: 'unlimited',
      participants_per_room: 5000,
      gateways: 100,
      storage_gb: 2000,
    },
    allowances: { ...agentActions(12_500, 5000, 2500, 800), executions: 1_000_000, api_calls: 'unlimited' },
    overage: [['executions', 30, 1000]],
    monthlyCredits: 10_000 * CREDIT,
  },
  {
    key: 'enterprise',
    name: 'Enterprise',
    description: 'Unlimited everything, a contract and a named contact.',
    tier: 'enterprise',
    tierRank: 5,
    billingInterval: 'year',
    priceAmount: 99_900,
    purchaseMode: 'contact_sales',
    displayOrder: 50,
    features: [...proFeatures, 'sso', 'audit_log_export', 'dedicated_support'],
    limits: {
      seats: 'unlimited',
      projects: 'unlimited',
      agents: 'unlimited',
      rooms: 'unlimited',
      participants_per_room: 'unlimited',
      gateways: 'unlimited',
      storage_gb: 'unlimited',
    },
    allowances: {
      ...agentActions(100_000, 40_000, 20_000, 6400),
      executions: 'unlimited',
      api_calls: 'unlimited',
    },
    monthlyCredits: 50_000 * CREDIT,
  },
  {
    key: 'pro_lifetime',
    name: 'Pro Lifetime',
    description: 'Pro, paid once, forever.',
    tier: 'pro',
    tierRank: 2,
    billingInterval: 'lifetime',
    priceAmount: 29_900,
    displayOrder: 60,
    features: proFeatures,
    limits: proLimits,
    allowances: proAllowances,
  },
];

export const creditPackages = [
  { key: 'credits_500', name: '500 credits', credits: 500 * CREDIT, priceAmount: 1000, displayOrder: 1 },
  { key: 'credits_1000', name: '1,000 credits', credits: 1000 * CREDIT, priceAmount: 1800, displayOrder: 2 },
  { key: 'credits_5000', name: '5,000 credits', credits: 5000 * CREDIT, priceAmount: 8000, displayOrder: 3 },
  {
    key: 'credits_10000',
    name: '10,000 credits',
    credits: 10_000 * CREDIT,
    priceAmount: 15_000,
    displayOrder: 4,
  },
  {
    key: 'auto_top_up_500',
    name: '500 credits (automatic top-up)',
    credits: 500 * CREDIT,
    priceAmount: 2000,
    availableForPurchase: false,
    availableForAutoTopUp: true,
    displayOrder: 10,
  },
];

export async function seed(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx('meters')
      .insert(
        meters.map((meter) => ({
          key: meter.key,
          name: meter.name,
          aggregation: meter.aggregation,
          field_name: 'fieldName' in meter ? meter.fieldName : null,
          unit: meter.unit,
          credit_cost_per_unit: meter.creditCostPerUnit,
        })),
      )
      .onConflict('key')
      .ignore();
    const meterIds = new Map(
      (await trx('meters').select('id', 'key')).map((row: { id: string; key: string }) => [row.key, row.id]),
    );

    for (const plan of plans) {
      const [inserted] = await trx('plans')
        .insert({
          key: plan.key,
          version: 1,
          name: plan.name,
          description: plan.description,
          tier: plan.tier,
          tier_rank: plan.tierRank,
          billing_interval: plan.billingInterval,
          price_amount: plan.priceAmount,
          trial_days: plan.trialDays ?? 0,
          trial_without_card: plan.trialWithoutCard ?? false,
          per_seat: plan.perSeat ?? false,
          purchase_mode: plan.purchaseMode ?? 'self_serve',
          is_default: plan.isDefault ?? false,
          display_order: plan.displayOrder,
        })
        .onConflict(['key', 'version'])
        .ignore()
        .returning('id');
      if (!inserted) continue;
      await trx('plan_entitlements').insert(entitlementRows(plan, inserted.id, meterIds));
    }

    await trx('credit_packages')
      .insert(
        creditPackages.map((creditPackage) => ({
          key: creditPackage.key,
          name: creditPackage.name,
          credits: creditPackage.credits,
          price_amount: creditPackage.priceAmount,
          available_for_purchase: creditPackage.availableForPurchase ?? true,
          available_for_auto_top_up: creditPackage.availableForAutoTopUp ?? false,
          display_order: creditPackage.displayOrder,
        })),
      )
      .onConflict('key')
      .ignore();
  });
}

function entitlementRows(plan: PlanSeed, planId: string, meterIds: Map<string, string>) {
  const overage = new Map(
    (plan.overage ?? []).map(([meterKey, amount, blockSize]) => [meterKey, { amount, blockSize }]),
  );
  return [
    ...plan.features.map((featureKey) => ({ plan_id: planId, feature_key: featureKey, kind: 'boolean' })),
    ...Object.entries(plan.limits).map(([featureKey, limit]) => ({
      plan_id: planId,
      feature_key: featureKey,
      kind: 'limit',
      unlimited: limit === 'unlimited',
      limit_value: limit === 'unlimited' ? null : limit,
    })),
    ...Object.entries(plan.allowances).map(([meterKey, included]) => ({
      plan_id: planId,
      feature_key: meterKey,
      kind: 'metered',
      meter_id: meterIds.get(meterKey),
      unlimited: included === 'unlimited',
      included_quantity: included === 'unlimited' ? null : included,
      overage_unit_amount: overage.get(meterKey as keyof Allowances)?.amount ?? null,
      overage_block_size: overage.get(meterKey as keyof Allowances)?.blockSize ?? 1,
    })),
    ...(plan.monthlyCredits
      ? [{ plan_id: planId, feature_key: 'credits', kind: 'credits', credit_allowance: plan.monthlyCredits }]
      : []),
  ];
}
