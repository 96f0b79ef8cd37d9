import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { CreditPackage } from '../catalog/CreditPackage';
import { Plan } from '../catalog/Plan';
import type { Logger } from '../logger';
import { stripe } from './client';

/**
 * Makes every sellable plan and credit package exist in Stripe as a product with a price, found by a
 * lookup key derived from our own record (`plan:<key>:v<version>`, `credit_package:<key>`), and stores
 * the ids on our rows. Safe to run at every start and concurrently: lookups come first, creates carry
 * idempotency keys, and a price is never changed in place (a new price means a new plan version).
 */
export function planLookupKey(plan: Pick<Plan, 'key' | 'version'>): string {
  return `plan:${plan.key}:v${plan.version}`;
}

export function creditPackageLookupKey(creditPackage: Pick<CreditPackage, 'key'>): string {
  return `credit_package:${creditPackage.key}`;
}

export async function syncCatalogToStripe({
  logger,
}: {
  logger: Logger;
}): Promise<{ plans: number; creditPackages: number }> {
  const plans = await Plan.query()
    .where({ active: true, purchaseMode: 'self_serve' })
    .where('priceAmount', '>', 0);
  for (const plan of plans) {
    const price = await ensurePrice({
      lookupKey: planLookupKey(plan),
      productName: plan.name,
      productMetadata: { plan_key: plan.key, tier: plan.tier },
      amount: plan.priceAmount,
      currency: plan.currency,
      recurring: plan.billingInterval === 'lifetime' ? undefined : { interval: plan.billingInterval },
      logger,
    });
    if (plan.stripePriceId !== price.id) {
      await Plan.query()
        .findById(plan.id)
        .patch({ stripePriceId: price.id, stripeProductId: productIdOf(price) });
    }
  }

  const creditPackages = await CreditPackage.query().where({ active: true });
  for (const creditPackage of creditPackages) {
    const price = await ensurePrice({
      lookupKey: creditPackageLookupKey(creditPackage),
      productName: creditPackage.name,
      productMetadata: { credit_package_key: creditPackage.key },
      amount: creditPackage.priceAmount,
      currency: creditPackage.currency,
      recurring: undefined,
      logger,
    });
    if (creditPackage.stripePriceId !== price.id) {
      await CreditPackage.query()
        .findById(creditPackage.id)
        .patch({ stripePriceId: price.id, stripeProductId: productIdOf(price) });
    }
  }
  return { plans: plans.length, creditPackages: creditPackages.length };
}

/**
 * The Stripe product and price of a plan version being published. Found first by the version's lookup
 * key, so a publish retried after a crash past this call reuses what it created; created otherwise under
 * idempotency keys derived from the version's id and its terms, so concurrent or retried calls create one
 * product and one price. A price left by an earlier attempt on terms the draft has since changed is not
 * reused: the new price takes the lookup key over.
 */
export async function ensurePlanVersionPrice(
  plan: Pick<
    Plan,
    'id' | 'key' | 'version' | 'name' | 'tier' | 'priceAmount' | 'currency' | 'billingInterval'
  >,
): Promise<{ stripePriceId: string; stripeProductId: string }> {
  const lookupKey = planLookupKey(plan);
  const recurring = plan.billingInterval === 'lifetime' ? null : plan.billingInterval;
  const existing = (await stripe().prices.list({ lookup_keys: [lookupKey], limit: 1 })).data[0];
  if (
    existing &&
    existing.unit_amount === plan.priceAmount &&
    existing.currency === plan.currency &&
    (existing.recurring?.interval ?? null) === recurring
  ) {
    return { stripePriceId: existing.id, stripeProductId: productIdOf(existing) };
  }
  const terms = createHash('sha256')
    .update(JSON.stringify([plan.name, plan.priceAmount, plan.currency, plan.billingInterval]))
    .digest('hex')
    .slice(0, 16);
  const idempotencyBase = `catalog-plan-${plan.id}-${terms}`;
  const product = await stripe().products.create(
    { name: plan.name, metadata: { plan_key: plan.key, tier: plan.tier, plan_id: plan.id } },
    { idempotencyKey: `${idempotencyBase}-product` },
  );
  const price = await stripe().prices.create(
    {
      product: product.id,
      unit_amount: plan.priceAmount,
      currency: plan.currency,
      lookup_key: lookupKey,
      transfer_lookup_key: true,
      ...(recurring && { recurring: { interval: recurring } }),
      metadata: { lookup_key: lookupKey, plan_id: plan.id },
    },
    { idempotencyKey: `${idempotencyBase}-price` },
  );
  return { stripePriceId: price.id, stripeProductId: product.id };
}

/**
 * The Stripe product and price of a credit package being created or repriced, found by the package's
 * lookup key when Stripe already charges its terms. Otherwise created under idempotency keys derived
 * from the package's id and its terms, taking the lookup key over, so a retried or concurrent call makes
 * one price; the earlier price of a repriced package stays in Stripe, unused.
 */
export async function ensureCreditPackagePrice(
  creditPackage: Pick<CreditPackage, 'id' | 'key' | 'name' | 'priceAmount' | 'currency'>,
): Promise<{ stripePriceId: string; stripeProductId: string }> {
  const lookupKey = creditPackageLookupKey(creditPackage);
  const existing = (await stripe().prices.list({ lookup_keys: [lookupKey], limit: 1 })).data[0];
  if (
    existing &&
    existing.unit_amount === creditPackage.priceAmount &&
    existing.currency === creditPackage.currency &&
    !existing.recurring
  ) {
    return { stripePriceId: existing.id, stripeProductId: productIdOf(existing) };
  }
  const terms = createHash('sha256')
    .update(JSON.stringify([creditPackage.name, creditPackage.priceAmount, creditPackage.currency]))
    .digest('hex')
    .slice(0, 16);
  const idempotencyBase = `catalog-credit-package-${creditPackage.id}-${terms}`;
  const product = await stripe().products.create(
    {
      name: creditPackage.name,
      metadata: { credit_package_key: creditPackage.key, credit_package_id: creditPackage.id },
    },
    { idempotencyKey: `${idempotencyBase}-product` },
  );
  const price = await stripe().prices.create(
    {
      product: product.id,
      unit_amount: creditPackage.priceAmount,
      currency: creditPackage.currency,
      lookup_key: lookupKey,
      transfer_lookup_key: true,
      metadata: { lookup_key: lookupKey, credit_package_id: creditPackage.id },
    },
    { idempotencyKey: `${idempotencyBase}-price` },
  );
  return { stripePriceId: price.id, stripeProductId: product.id };
}

async function ensurePrice({
  lookupKey,
  productName,
  productMetadata,
  amount,
  currency,
  recurring,
  logger,
}: {
  lookupKey: string;
  productName: string;
  productMetadata: Record<string, string>;
  amount: number;
  currency: string;
  recurring: { interval: 'month' | 'year' } | undefined;
  logger: Logger;
}): Promise<Stripe.Price> {
  const existing = (await stripe().prices.list({ lookup_keys: [lookupKey], limit: 1 })).data[0];
  if (existing) {
    if (existing.unit_amount !== amount || existing.currency !== currency) {
      logger.warn(
        { lookupKey, stripeAmount: existing.unit_amount, ourAmount: amount },
        'Stripe price differs from the catalog; add a plan version to change a price',
      );
    }
    return existing;
  }
  const idempotencyBase = lookupKey.replace(/[^A-Za-z0-9_-]/g, '-');
  const product = await stripe().products.create(
    { name: productName, metadata: productMetadata },
    { idempotencyKey: `catalog-${idempotencyBase}-product` },
  );
  return stripe().prices.create(
    {
      product: product.id,
      unit_amount: amount,
      currency,
      lookup_key: lookupKey,
      ...(recurring && { recurring }),
      metadata: { lookup_key: lookupKey },
    },
    { idempotencyKey: `catalog-${idempotencyBase}-price` },
  );
}

function productIdOf(price: Stripe.Price): string {
  return typeof price.product === 'string' ? price.product : price.product.id;
}
