import YAML, { isMap, isScalar, isSeq, LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import type { Actor } from '../auth/actor';
import { ValidationError } from '../errors';
import { CreditPackage } from './CreditPackage';
import {
  creditPackageChanges,
  creditPackageDefinition,
  creditPackageInput,
  saveCreditPackage,
  withdrawCreditPackage,
  type CreditPackageDefinition,
} from './creditPackages';
import { Meter } from './Meter';
import { meterChanges, meterDefinition, meterInput, saveMeter, type MeterDefinition } from './meters';
import { Plan } from './Plan';
import {
  archivePlan,
  createPlanDraft,
  planDraftInput,
  publishPlan,
  sellabilityProblems,
  type PlanDraft,
} from './planDrafts';

/**
 * The catalog as a file (decision 031): meters, plans and credit packages, each named by its key, in
 * the words of the API's inputs. `exportCatalog` writes what is on sale; `applyCatalogFile` checks a
 * whole file against the catalog before writing anything, says what it would do, and does it through
 * the catalog's own services: a plan whose definition differs from the version on sale becomes a new
 * draft, published at once (one transaction each, so a failure leaves the plans before it applied and a
 * second run finishes the job); an unchanged plan is left alone.
 */

export type CatalogFormat = 'yaml' | 'json';

type PlanEntry = Omit<PlanDraft, 'key'>;
type MeterEntry = Omit<MeterDefinition, 'key'>;
type CreditPackageEntry = Omit<CreditPackageDefinition, 'key'>;

/** A checked catalog file: every entry valid on its own, keys unique. */
export interface CatalogFile {
  meters: Map<string, MeterDefinition>;
  plans: Map<string, PlanDraft>;
  creditPackages: Map<string, CreditPackageDefinition>;
}

const SECTIONS = ['meters', 'plans', 'creditPackages'] as const;
const LIMIT_FIELDS = new Set([
  'featureKey',
  'limit',
  'unlimited',
  'scope',
  'scopeResourceType',
  'overageBufferPercent',
]);
const ALLOWANCE_FIELDS = new Set(['meterKey', 'includedQuantity', 'unlimited', 'overage']);
const OVERAGE_FIELDS = new Set(['amount', 'blockSize']);

const HEADER = [
  ' The catalog on sale: meters, plans and credit packages, by key (docs/catalog-file.md).',
  ' Amounts are minor units of the currency (cents); credits are milli-credits (1 credit = 1000).',
  ' Apply it with: npm run catalog -- apply <this file> [--dry-run] [--archive-missing]',
].join('\n');

/** Problems by path (`plans.pro.priceAmount`), thrown together as one ValidationError. */
class Problems {
  readonly byPath: Record<string, string> = {};
  add(path: string, problem: string): void {
    this.byPath[path] ??= problem;
  }
  addAll(prefix: string, problems: Record<string, string>): void {
    for (const [field, problem] of Object.entries(problems)) this.add(`${prefix}.${field}`, problem);
  }
  throwIfAny(): void {
    const entries = Object.entries(this.byPath);
    if (entries.length === 0) return;
    throw new ValidationError(
      entries.map(([path, problem]) => `${path}: ${problem}`).join('\n'),
      this.byPath,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading a file

/**
 * Parses and checks a catalog file on its own, without the database: YAML (of which JSON is a part),
 * every problem reported by path, a key given twice included. Throws a ValidationError listing them all.
 */
export function parseCatalogFile(text: string): CatalogFile {
  const problems = new Problems();
  const lineCounter = new LineCounter();
  const document = YAML.parseDocument(text, { uniqueKeys: false, lineCounter, prettyErrors: false });
  for (const error of document.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    problems.add(`line ${line}, column ${col}`, error.message.split('\n')[0]!);
  }
  problems.throwIfAny();
  findDuplicateKeys(document.contents, [], lineCounter, problems);
  problems.throwIfAny();
  return checkCatalog(document.toJS() as unknown, problems);
}

function findDuplicateKeys(
  node: Node | null,
  path: string[],
  lineCounter: LineCounter,
  problems: Problems,
): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const at = [...path, key];
      if (seen.has(key)) {
        const line =
          isScalar(pair.key) && pair.key.range ? lineCounter.linePos(pair.key.range[0]).line : null;
        problems.add(at.join('.'), `is given more than once${line ? ` (again on line ${line})` : ''}`);
      }
      seen.add(key);
      findDuplicateKeys(pair.value as Node | null, at, lineCounter, problems);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) =>
      findDuplicateKeys(item as Node | null, [...path, String(index)], lineCounter, problems),
    );
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkCatalog(raw: unknown, problems: Problems): CatalogFile {
  const file: CatalogFile = { meters: new Map(), plans: new Map(), creditPackages: new Map() };
  if (raw == null) raw = {};
  if (!isRecord(raw)) {
    problems.add('catalog', 'is a mapping of meters, plans and creditPackages');
    problems.throwIfAny();
  }
  const catalog = raw as Record<string, unknown>;
  for (const field of Object.keys(catalog))
    if (!(SECTIONS as readonly string[]).includes(field))
      problems.add(field, 'is not a section of a catalog (meters, plans, creditPackages)');

  const entries = (section: (typeof SECTIONS)[number]) => {
    const value = catalog[section] ?? {};
    if (isRecord(value)) return Object.entries(value);
    problems.add(section, 'is a mapping from each key to its definition');
    return [];
  };
  for (const [key, entry] of entries('meters')) {
    const meter = checkEntry(`meters.${key}`, meterInput, key, entry, problems);
    if (meter) file.meters.set(key, meter);
  }
  for (const [key, entry] of entries('plans')) {
    checkNestedFields(`plans.${key}`, entry, problems);
    const plan = checkEntry(`plans.${key}`, planDraftInput.strict(), key, entry, problems);
    if (plan) file.plans.set(key, plan);
  }
  for (const [key, entry] of entries('creditPackages')) {
    const creditPackage = checkEntry(
      `creditPackages.${key}`,
      creditPackageInput.strict(),
      key,
      entry,
      problems,
    );
    if (creditPackage) file.creditPackages.set(key, creditPackage);
  }

  const defaults = [...file.plans.values()].filter((plan) => plan.isDefault);
  for (const plan of defaults.slice(1))
    problems.add(`plans.${plan.key}.isDefault`, `new accounts start on one plan; ${defaults[0]!.key} is it`);
  problems.throwIfAny();
  return file;
}

/** Parses one entry, its key given by its place in the file, reporting every problem under `prefix`. */
function checkEntry<Schema extends z.ZodType>(
  prefix: string,
  schema: Schema,
  key: string,
  entry: unknown,
  problems: Problems,
): z.output<Schema> | null {
  if (!isRecord(entry)) {
    problems.add(prefix, 'is a mapping of the fields of its definition');
    return null;
  }
  if ('key' in entry) {
    problems.add(`${prefix}.key`, 'is the name of the entry; leave it out');
    return null;
  }
  const result = schema.safeParse({ ...entry, key });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys')
      for (const field of issue.keys)
        problems.add([prefix, ...issue.path.map(String), field].join('.'), 'is not a field of this entry');
    else problems.add([prefix, ...issue.path.map(String)].join('.'), issue.message);
  }
  return null;
}

/** The API ignores unknown fields of a plan's limits and allowances; a file names them as typos. */
function checkNestedFields(prefix: string, entry: unknown, problems: Problems): void {
  if (!isRecord(entry)) return;
  const check = (path: string, value: unknown, allowed: Set<string>) => {
    if (!isRecord(value)) return;
    for (const field of Object.keys(value))
      if (!allowed.has(field))
        problems.add(
          `${path}.${field}`,
          LIMIT_FIELDS.has(field) ? 'is only for limits' : 'is not a field of this entry',
        );
  };
  if (Array.isArray(entry.limits))
    entry.limits.forEach((limit, index) => check(`${prefix}.limits.${index}`, limit, LIMIT_FIELDS));
  if (Array.isArray(entry.meteredAllowances))
    entry.meteredAllowances.forEach((allowance: unknown, index) => {
      check(`${prefix}.meteredAllowances.${index}`, allowance, ALLOWANCE_FIELDS);
      if (isRecord(allowance))
        check(`${prefix}.meteredAllowances.${index}.overage`, allowance.overage, OVERAGE_FIELDS);
    });
}

// ---------------------------------------------------------------------------------------------------
// The catalog on sale, as a file

export interface CatalogExport {
  meters: Record<string, MeterEntry>;
  plans: Record<string, PlanEntry>;
  creditPackages: Record<string, CreditPackageEntry>;
}

/** What is on sale, in a stable order: meters by key, plans and packages in storefront order, then key. */
export async function exportCatalog(): Promise<CatalogExport> {
  const meters = await Meter.query().where({ active: true }).orderBy('key');
  const plans = await Plan.query()
    .where({ active: true })
    .withGraphFetched('entitlements.meter')
    .orderBy([{ column: 'displayOrder' }, { column: 'key' }]);
  const creditPackages = await CreditPackage.query()
    .where({ active: true })
    .orderBy([{ column: 'displayOrder' }, { column: 'key' }]);
  return {
    meters: Object.fromEntries(meters.map((meter) => [meter.key, meterEntry(meterDefinition(meter))])),
    plans: Object.fromEntries(plans.map((plan) => [plan.key, planEntry(planDefinition(plan))])),
    creditPackages: Object.fromEntries(
      creditPackages.map((creditPackage) => [
        creditPackage.key,
        withoutKey(creditPackageDefinition(creditPackage)),
      ]),
    ),
  };
}

/** The text of an export: YAML with a header and a line per limit and allowance, or JSON. */
export function formatCatalog(catalog: CatalogExport, format: CatalogFormat): string {
  if (format === 'json') return `${JSON.stringify(catalog, null, 2)}\n`;
  const document = new YAML.Document(catalog);
  document.commentBefore = HEADER;
  YAML.visit(document, {
    Seq(_key, node, path) {
      const owner = path[path.length - 1];
      const field = YAML.isPair(owner) && isScalar(owner.key) ? owner.key.value : null;
      if (field === 'limits' || field === 'meteredAllowances')
        for (const item of node.items) if (isMap(item)) item.flow = true;
    },
  });
  return document.toString({ lineWidth: 0 });
}

function withoutKey<Entry extends { key: string }>({ key: _key, ...rest }: Entry): Omit<Entry, 'key'> {
  return rest;
}

function meterEntry(meter: MeterDefinition): MeterEntry {
  return {
    name: meter.name,
    aggregation: meter.aggregation,
    ...(meter.property != null && { property: meter.property }),
    unit: meter.unit,
    ...(meter.creditCostMilliCredits != null && { creditCostMilliCredits: meter.creditCostMilliCredits }),
  } as MeterEntry;
}

/** A plan's definition as written in a file: fields at their defaults for nothing are left out. */
function planEntry(plan: PlanDraft): PlanEntry {
  const canonical = canonicalPlan(plan);
  return {
    name: canonical.name,
    ...(canonical.description != null && { description: canonical.description }),
    tier: canonical.tier,
    tierRank: canonical.tierRank,
    interval: canonical.interval,
    priceAmount: canonical.priceAmount,
    currency: canonical.currency,
    perSeat: canonical.perSeat,
    trialDays: canonical.trialDays,
    trialWithoutCard: canonical.trialWithoutCard,
    purchaseMode: canonical.purchaseMode,
    displayOrder: canonical.displayOrder,
    isDefault: canonical.isDefault,
    ...(canonical.features.length > 0 && { features: canonical.features }),
    ...(canonical.limits.length > 0 && {
      limits: canonical.limits.map((limit) => ({
        featureKey: limit.featureKey,
        ...(limit.unlimited ? { unlimited: true } : { limit: limit.limit }),
        ...(limit.scope !== 'account' && {
          scope: limit.scope,
          scopeResourceType: limit.scopeResourceType,
        }),
        ...(limit.overageBufferPercent > 0 && { overageBufferPercent: limit.overageBufferPercent }),
      })),
    }),
    ...(canonical.meteredAllowances.length > 0 && {
      meteredAllowances: canonical.meteredAllowances.map((allowance) =>
        allowance.unlimited
          ? { meterKey: allowance.meterKey, unlimited: true }
          : {
              meterKey: allowance.meterKey,
              includedQuantity: allowance.includedQuantity,
              ...(allowance.overage && { overage: allowance.overage }),
            },
      ),
    }),
    ...(canonical.creditsPerPeriodMilliCredits != null && {
      creditsPerPeriodMilliCredits: canonical.creditsPerPeriodMilliCredits,
    }),
  } as PlanEntry;
}

/** A plan version's definition, in the words of PlanDraftInput. */
export function planDefinition(plan: Plan): PlanDraft {
  const entitlements = plan.entitlements ?? [];
  const credits = entitlements.find((entitlement) => entitlement.kind === 'credits');
  return {
    key: plan.key,
    name: plan.name,
    description: plan.description,
    tier: plan.tier,
    tierRank: plan.tierRank,
    interval: plan.billingInterval,
    priceAmount: plan.priceAmount,
    currency: plan.currency,
    isDefault: plan.isDefault,
    perSeat: plan.perSeat,
    trialDays: plan.trialDays,
    trialWithoutCard: plan.trialWithoutCard,
    purchaseMode: plan.purchaseMode,
    displayOrder: plan.displayOrder,
    features: entitlements.filter((entry) => entry.kind === 'boolean').map((entry) => entry.featureKey),
    limits: entitlements
      .filter((entry) => entry.kind === 'limit')
      .map((entry) => ({
        featureKey: entry.featureKey,
        limit: entry.limitValue,
        unlimited: entry.unlimited,
        scope: entry.scope,
        scopeResourceType: entry.scopeResourceType,
        overageBufferPercent: entry.overageBufferPercent,
      })),
    meteredAllowances: entitlements
      .filter((entry) => entry.kind === 'metered')
      .map((entry) => ({
        meterKey: entry.meter?.key ?? entry.featureKey,
        includedQuantity: entry.includedQuantity,
        unlimited: entry.unlimited,
        overage:
          entry.overageUnitAmount == null
            ? null
            : { amount: entry.overageUnitAmount, blockSize: entry.overageBlockSize },
      })),
    creditsPerPeriodMilliCredits: credits?.creditAllowance ?? null,
  };
}

/** Every field explicit and every list sorted, so two definitions compare by their JSON. */
function canonicalPlan(plan: PlanDraft) {
  const byKey =
    <Item>(keyOf: (item: Item) => string) =>
    (a: Item, b: Item) =>
      keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0;
  return {
    key: plan.key,
    name: plan.name,
    description: plan.description ?? null,
    tier: plan.tier,
    tierRank: plan.tierRank,
    interval: plan.interval,
    priceAmount: plan.priceAmount,
    currency: plan.currency,
    perSeat: plan.perSeat,
    trialDays: plan.trialDays,
    trialWithoutCard: plan.trialWithoutCard,
    purchaseMode: plan.purchaseMode,
    displayOrder: plan.displayOrder,
    isDefault: plan.isDefault,
    features: [...plan.features].sort(),
    limits: plan.limits
      .map((limit) => ({
        featureKey: limit.featureKey,
        limit: limit.limit ?? null,
        unlimited: limit.unlimited,
        scope: limit.scope,
        scopeResourceType: limit.scopeResourceType,
        overageBufferPercent: limit.overageBufferPercent,
      }))
      .sort(byKey((limit) => limit.featureKey)),
    meteredAllowances: plan.meteredAllowances
      .map((allowance) => ({
        meterKey: allowance.meterKey,
        includedQuantity: allowance.includedQuantity ?? null,
        unlimited: allowance.unlimited,
        overage: allowance.overage
          ? { amount: allowance.overage.amount, blockSize: allowance.overage.blockSize }
          : null,
      }))
      .sort(byKey((allowance) => allowance.meterKey)),
    creditsPerPeriodMilliCredits: plan.creditsPerPeriodMilliCredits ?? null,
  };
}

/** The fields of `next` that differ from `current`. */
function planChanges(current: PlanDraft, next: PlanDraft): string[] {
  const before = canonicalPlan(current);
  const after = canonicalPlan(next);
  return (Object.keys(after) as Array<keyof typeof after>).filter(
    (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
  );
}

// ---------------------------------------------------------------------------------------------------
// What applying a file does

export type ChangeAction = 'create' | 'update' | 'publish' | 'unchanged' | 'keep' | 'archive';

export interface CatalogChange {
  key: string;
  action: ChangeAction;
  /** The fields that differ from the catalog, for update and publish. */
  changed: string[];
  /** publish: the version it will be (the next of its key). */
  version?: number;
  /** publish: a draft left by an interrupted apply, with this very definition, published as it is. */
  draftId?: string;
}

export interface CatalogChanges {
  meters: CatalogChange[];
  plans: CatalogChange[];
  creditPackages: CatalogChange[];
}

/** Whether applying the changes would write anything. */
export function changesAnything(changes: CatalogChanges): boolean {
  return [...changes.meters, ...changes.plans, ...changes.creditPackages].some(
    (change) => change.action !== 'unchanged' && change.action !== 'keep',
  );
}

/**
 * Compares a checked file with the catalog and says what applying it would do, or throws a
 * ValidationError listing, by path, everything in the file the catalog could not take.
 */
export async function planCatalogChanges(
  file: CatalogFile,
  { archiveMissing = false }: { archiveMissing?: boolean } = {},
): Promise<CatalogChanges> {
  const problems = new Problems();
  const changes: CatalogChanges = { meters: [], plans: [], creditPackages: [] };

  const meters = new Map((await Meter.query()).map((meter) => [meter.key, meter]));
  for (const [key, definition] of file.meters) {
    const existing = meters.get(key);
    if (!existing) {
      changes.meters.push({ key, action: 'create', changed: [] });
      continue;
    }
    const { changed, problems: meterProblems } = meterChanges(existing, definition);
    problems.addAll(`meters.${key}`, meterProblems);
    changes.meters.push({ key, action: changed.length > 0 ? 'update' : 'unchanged', changed });
  }
  for (const meter of [...meters.values()].filter((meter) => meter.active && !file.meters.has(meter.key)))
    changes.meters.push({ key: meter.key, action: 'keep', changed: [] });
  const meterKeys = new Set([
    ...file.meters.keys(),
    ...[...meters.values()].filter((meter) => meter.active).map((meter) => meter.key),
  ]);

  const onSale = new Map(
    (await Plan.query().where({ active: true }).withGraphFetched('entitlements.meter')).map((plan) => [
      plan.key,
      plan,
    ]),
  );
  const drafts = new Map(
    (await Plan.query().where({ status: 'draft' }).withGraphFetched('entitlements.meter')).map((plan) => [
      plan.key,
      plan,
    ]),
  );
  const latestVersions = new Map(
    (
      (await Plan.query().select('key').max('version as latest').groupBy('key')) as unknown as Array<{
        key: string;
        latest: number;
      }>
    ).map((row) => [row.key, Number(row.latest)]),
  );
  const startingPlan = [...onSale.values()].find((plan) => plan.isDefault);
  for (const [key, definition] of file.plans) {
    const current = onSale.get(key);
    if (current?.isDefault && !definition.isDefault)
      problems.add(
        `plans.${key}.isDefault`,
        `new accounts start on ${key}, and every version of it stays their starting plan: say true`,
      );
    const changed = current ? planChanges(planDefinition(current), definition) : [];
    if (current && changed.length === 0) {
      changes.plans.push({ key, action: 'unchanged', changed });
      continue;
    }
    const draft = drafts.get(key);
    const resumable = draft && planChanges(planDefinition(draft), definition).length === 0;
    problems.addAll(
      `plans.${key}`,
      sellabilityProblems(definition, {
        otherDraftId: null,
        onSaleIsDefault: current?.isDefault ?? false,
        startingPlanKey: startingPlan?.key ?? null,
        meterKeys,
      }),
    );
    if (draft && !resumable)
      problems.add(
        `plans.${key}`,
        `a draft of ${key} is being written (${draft.id}); publish or archive it before applying a file`,
      );
    changes.plans.push({
      key,
      action: 'publish',
      changed,
      version: resumable ? draft.version : (latestVersions.get(key) ?? 0) + 1,
      ...(resumable && { draftId: draft.id }),
    });
  }
  for (const plan of [...onSale.values()].filter((plan) => !file.plans.has(plan.key))) {
    if (archiveMissing && plan.isDefault)
      problems.add(
        `plans.${plan.key}`,
        `new accounts start on ${plan.key}, which cannot be archived; keep it in the file`,
      );
    changes.plans.push({ key: plan.key, action: archiveMissing ? 'archive' : 'keep', changed: [] });
  }

  const creditPackages = new Map((await CreditPackage.query()).map((entry) => [entry.key, entry]));
  for (const [key, definition] of file.creditPackages) {
    const existing = creditPackages.get(key);
    const changed = existing ? creditPackageChanges(existing, definition) : [];
    changes.creditPackages.push({
      key,
      action: !existing ? 'create' : changed.length > 0 ? 'update' : 'unchanged',
      changed,
    });
  }
  for (const creditPackage of [...creditPackages.values()].filter(
    (entry) => entry.active && !file.creditPackages.has(entry.key),
  ))
    changes.creditPackages.push({
      key: creditPackage.key,
      action: archiveMissing ? 'archive' : 'keep',
      changed: [],
    });

  problems.throwIfAny();
  return changes;
}

/** Whether applying the changes calls Stripe: a price to make for a plan or a package. */
export function changesNeedStripe(file: CatalogFile, changes: CatalogChanges): boolean {
  return (
    changes.plans.some((change) => {
      const plan = change.action === 'publish' ? file.plans.get(change.key) : undefined;
      return plan !== undefined && plan.purchaseMode === 'self_serve' && plan.priceAmount > 0;
    }) || changes.creditPackages.some((change) => change.action === 'create' || change.action === 'update')
  );
}

/**
 * Applies the changes `planCatalogChanges` found, in order: meters (which plans' allowances name), plans
 * (one new draft and its publication each), plans archived, credit packages. Each step is idempotent, so
 * a run interrupted part way is finished by running it again.
 */
export async function applyCatalogChanges({
  actor,
  file,
  changes,
}: {
  actor: Actor;
  file: CatalogFile;
  changes: CatalogChanges;
}): Promise<void> {
  for (const change of changes.meters)
    if (change.action === 'create' || change.action === 'update')
      await saveMeter({ actor, input: file.meters.get(change.key)! });

  for (const change of changes.plans) {
    if (change.action === 'publish') {
      const planId =
        change.draftId ?? (await createPlanDraft({ actor, input: file.plans.get(change.key)! })).id;
      await publishPlan({ actor, planId });
    }
  }
  for (const change of changes.plans) {
    if (change.action !== 'archive') continue;
    const plan = await Plan.query().findOne({ key: change.key, active: true });
    if (plan) await archivePlan({ actor, planId: plan.id });
  }

  for (const change of changes.creditPackages) {
    if (change.action === 'create' || change.action === 'update')
      await saveCreditPackage({ actor, input: file.creditPackages.get(change.key)! });
    if (change.action === 'archive') await withdrawCreditPackage({ actor, key: change.key });
  }
}

/** The changes, as an operator reads them before saying yes. */
export function describeChanges(
  changes: CatalogChanges,
  { archiveMissing }: { archiveMissing: boolean },
): string {
  const line = (change: CatalogChange): string => {
    const fields = change.changed.length > 0 ? ` (${change.changed.join(', ')})` : '';
    switch (change.action) {
      case 'create':
        return `  create     ${change.key}`;
      case 'update':
        return `  update     ${change.key}${fields}`;
      case 'publish':
        return `  publish    ${change.key} v${change.version}${
          change.changed.length > 0 ? `, a new version${fields}` : ', new'
        }${change.draftId ? ' (its draft is ready)' : ''}`;
      case 'unchanged':
        return `  unchanged  ${change.key}`;
      case 'keep':
        return `  keep       ${change.key} (on sale, not in the file${archiveMissing ? '' : '; --archive-missing takes it off sale'})`;
      case 'archive':
        return `  archive    ${change.key} (not in the file)`;
    }
  };
  const section = (title: string, entries: CatalogChange[]) =>
    [`${title}:`, ...(entries.length > 0 ? entries.map(line) : ['  (none)'])].join('\n');
  return [
    section('Meters', changes.meters),
    section('Plans', changes.plans),
    section('Credit packages', changes.creditPackages),
  ].join('\n');
}
