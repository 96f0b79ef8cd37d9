import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { requireCatalogManager } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { NotFoundError, ValidationError } from '../errors';
import { ensureCreditPackagePrice } from '../stripe/catalogSync';
import { parseInput } from '../validation';
import { CreditPackage } from './CreditPackage';

/**
 * Credit packages, written by the operator (decision 031). A package is bought through Checkout at its
 * Stripe price, made when the package is created or repriced (before the row is written, as a plan's is
 * on publishing); a Checkout already open keeps the price it was opened with. Taking a package off sale
 * keeps it for the purchases that name it.
 */

const MAX_PRICE_AMOUNT = 99_999_999;
/** The most one credit grant may move (decision 023). */
const MAX_MILLI_CREDITS = 1_000_000_000_000;
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((code) => code.toLowerCase()));

const flag = (fallback: boolean) =>
  z
    .boolean()
    .nullish()
    .transform((value) => value ?? fallback);

export const creditPackageInput = z.object({
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'is 1 to 63 lower-case letters, digits, dashes or underscores'),
  name: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters'),
  milliCredits: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_MILLI_CREDITS, `is at most ${MAX_MILLI_CREDITS.toLocaleString('en-US')}`),
  priceAmount: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1: a package is bought through Checkout')
    .max(MAX_PRICE_AMOUNT, `is at most ${MAX_PRICE_AMOUNT.toLocaleString('en-US')}`),
  currency: z
    .string()
    .trim()
    .toLowerCase()
    .refine((code) => KNOWN_CURRENCIES.has(code), 'is not an ISO 4217 currency code such as USD'),
  /** Offered for purchase by hand. */
  availableForPurchase: flag(true),
  /** What an automatic top-up may buy. */
  availableForAutoTopUp: flag(false),
  displayOrder: z
    .number()
    .int('must be a whole number')
    .min(-1_000_000, 'is at least -1,000,000')
    .max(1_000_000, 'is at most 1,000,000')
    .nullish()
    .transform((value) => value ?? 0),
});

export type CreditPackageInput = z.input<typeof creditPackageInput>;
export type CreditPackageDefinition = z.output<typeof creditPackageInput>;

/** A package's definition in the words of CreditPackageInput. */
export function creditPackageDefinition(creditPackage: CreditPackage): CreditPackageDefinition {
  return {
    key: creditPackage.key,
    name: creditPackage.name,
    milliCredits: Number(creditPackage.credits),
    priceAmount: Number(creditPackage.priceAmount),
    currency: creditPackage.currency,
    availableForPurchase: creditPackage.availableForPurchase,
    availableForAutoTopUp: creditPackage.availableForAutoTopUp,
    displayOrder: creditPackage.displayOrder,
  };
}

/** The fields writing `definition` over `existing` would change (`active` when it is off sale). */
export function creditPackageChanges(existing: CreditPackage, definition: CreditPackageDefinition): string[] {
  const current = creditPackageDefinition(existing);
  const changed: string[] = (Object.keys(current) as Array<keyof CreditPackageDefinition>).filter(
    (field) => current[field] !== definition[field],
  );
  return existing.active ? changed : [...changed, 'active'];
}

/**
 * Creates the package of the input's key, or brings the existing one to it (and back on sale). With
 * `createOnly`, a key the catalog already has is refused rather than changed, unless the input is what
 * it already says (the same creation sent again).
 */
export async function saveCreditPackage({
  actor,
  input,
  createOnly = false,
}: {
  actor: Actor;
  input: CreditPackageInput;
  createOnly?: boolean;
}): Promise<{ creditPackage: CreditPackage; outcome: 'created' | 'updated' | 'unchanged' }> {
  requireCatalogManager(actor);
  const definition = parseInput(creditPackageInput, input);
  const existing = await CreditPackage.query().findOne({ key: definition.key });
  const changed = existing ? creditPackageChanges(existing, definition) : [];
  if (createOnly && changed.length > 0)
    throw ValidationError.forField('key', 'is already a credit package; edit it instead');
  if (existing && changed.length === 0 && existing.stripePriceId)
    return { creditPackage: existing, outcome: 'unchanged' };

  const id = existing?.id ?? randomUUID();
  const repriced =
    !existing?.stripePriceId ||
    existing.priceAmount !== definition.priceAmount ||
    existing.currency !== definition.currency;
  // Made first and found again on a retry (lookup key, idempotency keys), as a plan version's price is.
  const stripeIds = repriced ? await ensureCreditPackagePrice({ id, ...definition }) : null;

  return CreditPackage.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [
      `catalog-credit-package:${definition.key}`,
    ]);
    const columns = {
      name: definition.name,
      credits: definition.milliCredits,
      priceAmount: definition.priceAmount,
      currency: definition.currency,
      availableForPurchase: definition.availableForPurchase,
      availableForAutoTopUp: definition.availableForAutoTopUp,
      displayOrder: definition.displayOrder,
      active: true,
      ...(stripeIds && {
        stripePriceId: stripeIds.stripePriceId,
        stripeProductId: stripeIds.stripeProductId,
      }),
    };
    const current = await CreditPackage.query(trx).findOne({ key: definition.key }).forUpdate();
    const creditPackage = current
      ? await CreditPackage.query(trx).patchAndFetchById(current.id, columns)
      : await CreditPackage.query(trx).insertAndFetch({ id, key: definition.key, ...columns });
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: current ? 'credit_package.updated' : 'credit_package.created',
      target: { type: 'credit_package', id: creditPackage.id },
      details: {
        key: creditPackage.key,
        priceAmount: creditPackage.priceAmount,
        currency: creditPackage.currency,
        stripePriceId: creditPackage.stripePriceId,
        ...(current && { changed }),
      },
    });
    return { creditPackage, outcome: current ? ('updated' as const) : ('created' as const) };
  });
}

/** Takes a package off sale: never bought again, by hand or by top-up; the purchases that name it keep it. */
export async function withdrawCreditPackage({
  actor,
  key,
}: {
  actor: Actor;
  key: string;
}): Promise<CreditPackage> {
  requireCatalogManager(actor);
  return CreditPackage.transaction(async (trx) => {
    const creditPackage = await CreditPackage.query(trx).findOne({ key }).forUpdate();
    if (!creditPackage) throw new NotFoundError('Credit package');
    if (!creditPackage.active) return creditPackage;
    const withdrawn = await CreditPackage.query(trx).patchAndFetchById(creditPackage.id, { active: false });
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'credit_package.withdrawn',
      target: { type: 'credit_package', id: creditPackage.id },
      details: { key },
    });
    return withdrawn;
  });
}
