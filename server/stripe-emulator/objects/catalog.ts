import type Stripe from 'stripe';
import { newId } from '../store/ids';

export interface ProductFields {
  name: string;
  active: boolean;
  description: string | null;
  metadata: Record<string, string>;
  created: number;
  unitLabel: string | null;
  statementDescriptor: string | null;
  url: string | null;
  images: string[];
}

export function newProduct(fields: ProductFields, id = newId('product')): Stripe.Product {
  return {
    id,
    object: 'product',
    active: fields.active,
    created: fields.created,
    default_price: null,
    description: fields.description,
    images: fields.images,
    livemode: false,
    marketing_features: [],
    metadata: fields.metadata,
    name: fields.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: fields.statementDescriptor,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: fields.unitLabel,
    updated: fields.created,
    url: fields.url,
  };
}

export interface PriceFields {
  product: string;
  currency: string;
  unitAmount: number;
  recurring: {
    interval: Stripe.Price.Recurring.Interval;
    intervalCount: number;
    usageType: 'licensed' | 'metered';
    trialPeriodDays: number | null;
  } | null;
  active: boolean;
  lookupKey: string | null;
  nickname: string | null;
  metadata: Record<string, string>;
  taxBehavior: Stripe.Price.TaxBehavior;
  created: number;
}

export function newPrice(fields: PriceFields): Stripe.Price {
  return {
    id: newId('price'),
    object: 'price',
    active: fields.active,
    billing_scheme: 'per_unit',
    created: fields.created,
    currency: fields.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: fields.lookupKey,
    metadata: fields.metadata,
    nickname: fields.nickname,
    product: fields.product,
    recurring: fields.recurring
      ? {
          interval: fields.recurring.interval,
          interval_count: fields.recurring.intervalCount,
          meter: null,
          trial_period_days: fields.recurring.trialPeriodDays,
          usage_type: fields.recurring.usageType,
        }
      : null,
    tax_behavior: fields.taxBehavior,
    tiers_mode: null,
    transform_quantity: null,
    type: fields.recurring ? 'recurring' : 'one_time',
    unit_amount: fields.unitAmount,
    // The SDK turns this decimal string into its Decimal class on the way in; on the wire it is a string.
    unit_amount_decimal: String(fields.unitAmount) as unknown as Stripe.Price['unit_amount_decimal'],
  };
}

/** The legacy Plan view of a recurring price, still required on subscription items. */
export function planFromPrice(price: Stripe.Price): Stripe.Plan {
  const recurring = price.recurring;
  if (!recurring) throw new Error(`Price ${price.id} is not recurring`);
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: typeof price.product === 'string' ? price.product : price.product.id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: recurring.trial_period_days,
    usage_type: recurring.usage_type,
  };
}
