import type { Knex } from 'knex';
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { requireCatalogManager } from '../auth/authorization';
import { recordAudit } from '../audit/auditLog';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { faultPoint } from '../faultPoints';
import { ensurePlanVersionPrice } from '../stripe/catalogSync';
import { parseInput } from '../validation';
import { SEATS_FEATURE } from '../entitlements/resourceCounts';
import { findDefaultPlan } from './catalog';
import { Meter } from './Meter';
import { Plan } from './Plan';
import { PlanEntitlement } from './PlanEntitlement';

/**
 * The operator's catalog, through the API (decision 029). A plan is written as a draft, which may change
 * and is never sold; publishing makes it the immutable version of its key that new customers get, with
 * its Stripe price created at once, and takes the previous version off sale (its subscribers keep it);
 * archiving withdraws a plan from sale. Every write is refused whole, naming the field, when the draft
 * could not be sold as written.
 */

/** Stripe's largest unit amount, in minor units. */
const MAX_PRICE_AMOUNT = 99_999_999;
/** The most one credit grant may move (decision 023). */
const MAX_CREDITS_PER_PERIOD = 1_000_000_000_000;
const MAX_QUANTITY = 1_000_000_000_000_000;
const CREDITS_FEATURE = 'credits';
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((code) => code.toLowerCase()));

const featureKey = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'is 1 to 63 lower-case letters, digits, dots, dashes or underscores');
const count = (maximum: number) =>
  z
    .number()
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .max(maximum, `is at most ${maximum.toLocaleString('en-US')}`);
const flag = z
  .boolean()
  .nullish()
  .transform((value) => value ?? false);
const list = <Item extends z.ZodType>(item: Item) =>
  z
    .array(item)
    .max(100, 'holds at most 100 entries')
    .nullish()
    .transform((value) => value ?? []);

export const planDraftInput = z
  .object({
    key: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'is 1 to 63 lower-case letters, digits, dashes or underscores'),
    name: z.string().trim().min(1, 'is required').max(100, 'is at most 100 characters'),
    description: z.string().trim().max(500, 'is at most 500 characters').nullish(),
    tier: z
      .string()
      .regex(/^[a-z0-9_-]{1,63}$/, 'is 1 to 63 lower-case letters, digits, dashes or underscores'),
    tierRank: count(1000),
    interval: z.enum(['month', 'year', 'lifetime']),
    priceAmount: count(MAX_PRICE_AMOUNT),
    currency: z
      .string()
      .trim()
      .toLowerCase()
      .refine((code) => KNOWN_CURRENCIES.has(code), 'is not an ISO 4217 currency code such as USD'),
    isDefault: flag,
    perSeat: flag,
    trialDays: count(365)
      .nullish()
      .transform((value) => value ?? 0),
    trialWithoutCard: flag,
    purchaseMode: z
      .enum(['self_serve', 'contact_sales'])
      .nullish()
      .transform((value) => value ?? 'self_serve'),
    displayOrder: z
      .number()
      .int('must be a whole number')
      .min(-1_000_000, 'is at least -1,000,000')
      .max(1_000_000, 'is at most 1,000,000')
      .nullish()
      .transform((value) => value ?? 0),
    features: list(featureKey),
    limits: list(
      z
        .object({
          featureKey,
          limit: count(MAX_QUANTITY).nullish(),
          unlimited: flag,
          scope: z
            .enum(['account', 'per_resource'])
            .nullish()
            .transform((value) => value ?? 'account'),
          scopeResourceType: featureKey.nullish().transform((value) => value ?? null),
          overageBufferPercent: count(100)
            .nullish()
            .transform((value) => value ?? 0),
        })
        .superRefine((limit, context) => {
          const problem = (field: string, message: string) =>
            context.addIssue({ code: 'custom', path: [field], message });
          if (limit.unlimited === (limit.limit != null))
            problem('limit', 'give a limit or unlimited, not both');
          if (limit.scope === 'per_resource' && limit.scopeResourceType === null)
            problem('scopeResourceType', 'is required for a limit per resource, e.g. room');
          if (limit.scope === 'account' && limit.scopeResourceType !== null)
            problem('scopeResourceType', 'is only for a limit per resource: set scope to PER_RESOURCE');
          // Seats are the account's members as well as registered resources: they have no parent.
          if (limit.scope === 'per_resource' && limit.featureKey === SEATS_FEATURE)
            problem('scope', 'seats are counted per account');
          if (limit.unlimited && limit.overageBufferPercent > 0)
            problem('overageBufferPercent', 'an unlimited limit has no buffer');
        }),
    ),
    meteredAllowances: list(
      z
        .object({
          meterKey: featureKey,
          includedQuantity: count(MAX_QUANTITY).nullish(),
          unlimited: flag,
          overage: z
            .object({
              amount: count(MAX_PRICE_AMOUNT).min(1, 'must be at least 1; leave overage out to refuse usage'),
              blockSize: count(1_000_000_000).min(1, 'must be at least 1'),
            })
            .nullish(),
        })
        .superRefine((allowance, context) => {
          if (allowance.unlimited === (allowance.includedQuantity != null))
            context.addIssue({
              code: 'custom',
              path: ['includedQuantity'],
              message: 'give an included quantity or unlimited, not both',
            });
          if (allowance.unlimited && allowance.overage)
            context.addIssue({
              code: 'custom',
              path: ['overage'],
              message: 'an unlimited allowance has no overage',
            });
        }),
    ),
    creditsPerPeriodMilliCredits: count(MAX_CREDITS_PER_PERIOD)
      .min(1, 'must be at least 1; leave it out for none')
      .nullish(),
  })
  .superRefine((plan, context) => {
    const problem = (path: Array<string | number>, message: string) =>
      context.addIssue({ code: 'custom', path, message });
    if (plan.interval === 'lifetime' && plan.trialDays > 0)
      problem(['trialDays'], 'a lifetime plan is paid once and has no trial');
    if (plan.interval === 'lifetime' && plan.perSeat)
      problem(['perSeat'], 'a lifetime plan is not priced per seat');
    if (plan.trialWithoutCard && plan.trialDays === 0)
      problem(['trialWithoutCard'], 'needs a trial: set trialDays');
    if (plan.isDefault && plan.trialDays > 0)
      problem(['trialDays'], 'new accounts start on this plan at once, without a trial');
    if (plan.isDefault && plan.purchaseMode !== 'self_serve')
      problem(['purchaseMode'], 'new accounts start on this plan without asking sales');
    const seen = new Set<string>();
    const claim = (key: string, path: Array<string | number>) => {
      if (seen.has(key)) problem(path, `${key} is given more than once`);
      seen.add(key);
    };
    plan.features.forEach((key, index) => claim(key, ['features', index]));
    plan.limits.forEach((limit, index) => claim(limit.featureKey, ['limits', index, 'featureKey']));
    plan.meteredAllowances.forEach((allowance, index) =>
      claim(allowance.meterKey, ['meteredAllowances', index, 'meterKey']),
    );
    if (plan.creditsPerPeriodMilliCredits != null) claim(CREDITS_FEATURE, ['creditsPerPeriodMilliCredits']);
  });

export type PlanDraftInput = z.input<typeof planDraftInput>;
export type PlanDraft = z.output<typeof planDraftInput>;

export async function createPlanDraft({
  actor,
  input,
}: {
  actor: Actor;
  input: PlanDraftInput;
}): Promise<Plan> {
  requireCatalogManager(actor);
  const draft = parseInput(planDraftInput, input);
  const planId = await Plan.transaction(async (trx) => {
    await lockKeys(trx, [draft.key]);
    const meterIds = await checkSellable(trx, draft, null);
    const plan = await Plan.query(trx).insertAndFetch({
      ...planColumns(draft),
      version: await nextVersion(trx, draft.key),
      status: 'draft',
      active: false,
    });
    await insertEntitlements(trx, entitlementRows(draft, plan.id, meterIds));
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'plan.draft_created',
      target: { type: 'plan', id: plan.id },
      details: {
        key: plan.key,
        version: plan.version,
        priceAmount: plan.priceAmount,
        currency: plan.currency,
      },
    });
    return plan.id;
  });
  return findPlan(planId);
}

/** Replaces the whole definition of a draft, entitlements included. */
export async function updatePlanDraft({
  actor,
  planId,
  input,
}: {
  actor: Actor;
  planId: string;
  input: PlanDraftInput;
}): Promise<Plan> {
  requireCatalogManager(actor);
  const draft = parseInput(planDraftInput, input);
  await Plan.transaction(async (trx) => {
    const before = await Plan.query(trx).findById(planId);
    if (!before) throw new NotFoundError('Plan');
    await lockKeys(trx, [before.key, draft.key]);
    const plan = await Plan.query(trx).findById(planId).forUpdate().throwIfNotFound();
    assertDraft(plan);
    const meterIds = await checkSellable(trx, draft, plan.id);
    const version = draft.key === plan.key ? plan.version : await nextVersion(trx, draft.key);
    await Plan.query(trx)
      .findById(plan.id)
      .patch({ ...planColumns(draft), version });
    await PlanEntitlement.query(trx).delete().where({ planId: plan.id });
    await insertEntitlements(trx, entitlementRows(draft, plan.id, meterIds));
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'plan.draft_updated',
      target: { type: 'plan', id: plan.id },
      details: { key: draft.key, version, priceAmount: draft.priceAmount, currency: draft.currency },
    });
  });
  return findPlan(planId);
}

/**
 * Makes a draft the version of its key on sale. Its Stripe product and price are made first (found again
 * on a retry: see ensurePlanVersionPrice), then the previous version is taken off sale and this one put
 * on it in one transaction. Publishing a published version again changes nothing.
 */
export async function publishPlan({ actor, planId }: { actor: Actor; planId: string }): Promise<Plan> {
  requireCatalogManager(actor);
  const plan = await Plan.query().findById(planId);
  if (!plan) throw new NotFoundError('Plan');
  if (plan.status === 'published') return findPlan(plan.id);
  assertDraft(plan);
  const stripeIds = sellsThroughCheckout(plan) ? await ensurePlanVersionPrice(plan) : null;
  await faultPoint('planPublish.afterStripeCall');

  await Plan.transaction(async (trx) => {
    await lockKeys(trx, [plan.key]);
    const current = await Plan.query(trx).findById(plan.id).forUpdate().throwIfNotFound();
    // Published meanwhile by a concurrent call with the same price: nothing left to do.
    if (current.status === 'published') return;
    assertDraft(current);
    if (PRICE_TERMS.some((term) => current[term] !== plan[term]))
      throw new ConflictError('The draft changed while it was being published; publish it again.');
    const previous = await Plan.query(trx).findOne({ key: plan.key, active: true });
    if (current.isDefault) {
      // Two keys published as the starting plan at once: the second finds the first here.
      await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', ['catalog-default-plan']);
      const startingPlan = await findDefaultPlan(trx);
      if (startingPlan && startingPlan.key !== plan.key)
        throw new ConflictError(
          `New accounts already start on ${startingPlan.key}; this draft cannot replace it.`,
        );
    }
    if (previous) await Plan.query(trx).findById(previous.id).patch({ active: false });
    await Plan.query(trx)
      .findById(plan.id)
      .patch({
        status: 'published',
        active: true,
        // A new version of the plan new accounts start on is that plan from now on.
        isDefault: current.isDefault || (previous?.isDefault ?? false),
        stripePriceId: stripeIds?.stripePriceId ?? null,
        stripeProductId: stripeIds?.stripeProductId ?? null,
      });
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'plan.published',
      target: { type: 'plan', id: plan.id },
      details: {
        key: plan.key,
        version: plan.version,
        priceAmount: plan.priceAmount,
        currency: plan.currency,
        stripePriceId: stripeIds?.stripePriceId ?? null,
        supersededPlanId: previous?.id ?? null,
      },
    });
    await faultPoint('planPublish.beforeCommit');
  });
  return findPlan(plan.id);
}

/**
 * Withdraws a plan from sale (a draft is discarded the same way). Its subscribers keep it; it is never
 * sold again, and publishing a new draft of its key is how it comes back.
 */
export async function archivePlan({ actor, planId }: { actor: Actor; planId: string }): Promise<Plan> {
  requireCatalogManager(actor);
  const found = await Plan.query().findById(planId);
  if (!found) throw new NotFoundError('Plan');
  await Plan.transaction(async (trx) => {
    await lockKeys(trx, [found.key]);
    const plan = await Plan.query(trx).findById(planId).forUpdate().throwIfNotFound();
    if (plan.status === 'archived') return;
    if (plan.isDefault && plan.active)
      throw new ConflictError(
        'New accounts start on this plan; publish a new version of it instead of archiving it.',
      );
    await Plan.query(trx).findById(plan.id).patch({ status: 'archived', active: false });
    await recordAudit({
      trx,
      actor,
      accountId: null,
      action: 'plan.archived',
      target: { type: 'plan', id: plan.id },
      details: { key: plan.key, version: plan.version, previousStatus: plan.status, wasOnSale: plan.active },
    });
  });
  return findPlan(planId);
}

/** What a Stripe price is made of: a draft that changed any of it needs another price. */
const PRICE_TERMS = ['key', 'version', 'name', 'priceAmount', 'currency', 'billingInterval'] as const;

/** Self-serve plans with a price are bought through Checkout, so they need a Stripe price. */
function sellsThroughCheckout(plan: Plan): boolean {
  return plan.purchaseMode === 'self_serve' && plan.priceAmount > 0;
}

function assertDraft(plan: Plan): void {
  if (plan.status === 'published')
    throw new ConflictError(
      `Version ${plan.version} of ${plan.key} is published and never changes; create a new draft of its key.`,
    );
  if (plan.status === 'archived')
    throw new ConflictError(`This plan is archived; create a new draft of ${plan.key} to sell it again.`);
}

async function findPlan(planId: string): Promise<Plan> {
  return Plan.query()
    .findById(planId)
    .withGraphFetched('entitlements.meter')
    .modifyGraph('entitlements', (builder) => builder.orderBy('featureKey'))
    .throwIfNotFound();
}

/** Writes to the versions of a key are serialized, so versions are numbered without gaps or races. */
async function lockKeys(trx: Knex.Transaction, keys: string[]): Promise<void> {
  for (const key of [...new Set(keys)].sort())
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`catalog-plan:${key}`]);
}

async function nextVersion(trx: Knex.Transaction, key: string): Promise<number> {
  const row = await Plan.query(trx).where({ key }).max('version as latest').first();
  return Number((row as unknown as { latest: number | null } | undefined)?.latest ?? 0) + 1;
}

/**
 * What only the database can tell: every field problem at once, or the meter ids of the allowances.
 * `draftId` is the draft being updated, which may keep its own key.
 */
async function checkSellable(
  trx: Knex.Transaction,
  draft: PlanDraft,
  draftId: string | null,
): Promise<Map<string, string>> {
  const otherDraft = await Plan.query(trx)
    .findOne({ key: draft.key, status: 'draft' })
    .modify((query) => draftId && query.whereNot('id', draftId));
  const onSale = await Plan.query(trx).findOne({ key: draft.key, active: true });
  const startingPlan = await findDefaultPlan(trx);
  const meterKeys = draft.meteredAllowances.map((allowance) => allowance.meterKey);
  const meters =
    meterKeys.length > 0 ? await Meter.query(trx).whereIn('key', meterKeys).where({ active: true }) : [];
  const meterIds = new Map(meters.map((meter) => [meter.key, meter.id]));
  const problems = sellabilityProblems(draft, {
    otherDraftId: otherDraft?.id ?? null,
    onSaleIsDefault: onSale?.isDefault ?? false,
    startingPlanKey: startingPlan?.key ?? null,
    meterKeys: new Set(meterIds.keys()),
  });
  if (Object.keys(problems).length > 0) throw ValidationError.forFields(problems);
  return meterIds;
}

/**
 * The rules a draft must meet to be sold, given what the catalog holds: the problems by field (none when
 * it can be sold). Shared by the API (checkSellable) and the catalog file, which checks a whole file
 * before writing anything.
 */
export function sellabilityProblems(
  draft: PlanDraft,
  catalog: {
    /** Another draft of the draft's key, which must be published or discarded first. */
    otherDraftId: string | null;
    /** Whether the version of the key on sale is the plan new accounts start on. */
    onSaleIsDefault: boolean;
    /** The key of the plan new accounts start on, if any. */
    startingPlanKey: string | null;
    /** The meters allowances may name. */
    meterKeys: ReadonlySet<string>;
  },
): Record<string, string> {
  const problems: Record<string, string> = {};
  if (catalog.otherDraftId)
    problems.key = `another draft of ${draft.key} exists (${catalog.otherDraftId}); update it instead`;
  // One plan is where accounts start; another key taking its place would strand its free accounts.
  if (draft.isDefault && catalog.startingPlanKey && catalog.startingPlanKey !== draft.key)
    problems.isDefault = `new accounts start on ${catalog.startingPlanKey}; publish a new version of it instead`;
  const becomesDefault = draft.isDefault || catalog.onSaleIsDefault;
  if (becomesDefault && draft.priceAmount > 0)
    problems.priceAmount = 'new accounts start on this plan without paying, so it must be free';
  else if (!becomesDefault && draft.purchaseMode === 'self_serve' && draft.priceAmount === 0)
    problems.priceAmount = 'a self-serve plan is bought through Checkout and needs a price above 0';
  draft.meteredAllowances.forEach((allowance, index) => {
    if (!catalog.meterKeys.has(allowance.meterKey))
      problems[`meteredAllowances.${index}.meterKey`] = `no meter has the key ${allowance.meterKey}`;
  });
  return problems;
}

function planColumns(draft: PlanDraft) {
  return {
    key: draft.key,
    name: draft.name,
    description: draft.description ?? null,
    tier: draft.tier,
    tierRank: draft.tierRank,
    billingInterval: draft.interval,
    priceAmount: draft.priceAmount,
    currency: draft.currency,
    trialDays: draft.trialDays,
    trialWithoutCard: draft.trialWithoutCard,
    perSeat: draft.perSeat,
    purchaseMode: draft.purchaseMode,
    displayOrder: draft.displayOrder,
    // Only the published version on sale is the starting plan (findDefaultPlan); a draft says it will be.
    isDefault: draft.isDefault,
  };
}

async function insertEntitlements(
  trx: Knex.Transaction,
  rows: ReturnType<typeof entitlementRows>,
): Promise<void> {
  if (rows.length > 0) await PlanEntitlement.query(trx).insert(rows);
}

function entitlementRows(draft: PlanDraft, planId: string, meterIds: Map<string, string>) {
  return [
    ...draft.features.map((key) => ({ planId, featureKey: key, kind: 'boolean' as const })),
    ...draft.limits.map((limit) => ({
      planId,
      featureKey: limit.featureKey,
      kind: 'limit' as const,
      unlimited: limit.unlimited,
      limitValue: limit.limit ?? null,
      scope: limit.scope,
      scopeResourceType: limit.scopeResourceType,
      overageBufferPercent: limit.overageBufferPercent,
    })),
    ...draft.meteredAllowances.map((allowance) => ({
      planId,
      featureKey: allowance.meterKey,
      kind: 'metered' as const,
      meterId: meterIds.get(allowance.meterKey)!,
      unlimited: allowance.unlimited,
      includedQuantity: allowance.includedQuantity ?? null,
      overageUnitAmount: allowance.overage?.amount ?? null,
      overageBlockSize: allowance.overage?.blockSize ?? 1,
    })),
    ...(draft.creditsPerPeriodMilliCredits != null
      ? [
          {
            planId,
            featureKey: CREDITS_FEATURE,
            kind: 'credits' as const,
            creditAllowance: draft.creditsPerPeriodMilliCredits,
          },
        ]
      : []),
  ];
}
