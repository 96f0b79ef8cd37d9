import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { systemActor } from '../../server/auth/actor';
import {
  applyCatalogChanges,
  changesAnything,
  exportCatalog,
  formatCatalog,
  parseCatalogFile,
  planCatalogChanges,
  type CatalogChanges,
} from '../../server/catalog/catalogFile';
import { ValidationError } from '../../server/errors';
import { createDemoCatalog } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { useTestDatabase } from '../support/database';

/**
 * The catalog as a file: what is on sale exports as a document that, applied to an empty catalog, makes
 * the same catalog; applying a file changes only what differs (a plan whose definition changed is
 * published as its next version); a file the catalog could not take is refused whole, every problem
 * named by its path, before anything is written.
 */
const actor = systemActor('catalog file test');
let demoExport = '';

async function apply(text: string, options: { archiveMissing?: boolean } = {}): Promise<CatalogChanges> {
  const file = parseCatalogFile(text);
  const changes = await planCatalogChanges(file, options);
  await applyCatalogChanges({ actor, file, changes });
  return changes;
}

const actionsOf = (changes: CatalogChanges, section: keyof CatalogChanges) =>
  Object.fromEntries(changes[section].map((change) => [change.key, change.action]));

/** What a refused file must leave untouched: the catalog, its audit trail and Stripe's prices. */
function catalogState(stack: ReturnType<typeof useBillingStack>) {
  return async () => ({
    plans: await stack.knex('plans').orderBy('id'),
    entitlements: await stack.knex('plan_entitlements').orderBy('id'),
    meters: await stack.knex('meters').orderBy('id'),
    creditPackages: await stack.knex('credit_packages').orderBy('id'),
    audit: (await stack.knex('audit_log')).length,
    prices: (await stack.stripe.prices.list({ limit: 100 })).data.length,
  });
}

/** The problems a file was refused for, by path. */
async function problemsOf(work: () => Promise<unknown>): Promise<Record<string, string>> {
  const error = await work().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).fieldErrors;
}

/** The demo export, edited as an operator edits the file. */
function editedDemo(edit: (catalog: any) => void): string {
  const catalog = YAML.parse(demoExport);
  edit(catalog);
  return YAML.stringify(catalog);
}

describe('the demo catalog of seeds/01_catalog.ts', () => {
  const db = useTestDatabase();

  it('exports as the same document every time', async () => {
    await createDemoCatalog(db.knex);
    demoExport = formatCatalog(await exportCatalog(), 'yaml');
    expect(formatCatalog(await exportCatalog(), 'yaml')).toBe(demoExport);
    const catalog = YAML.parse(demoExport);
    expect(Object.keys(catalog.meters)).toEqual([...Object.keys(catalog.meters)].sort());
    expect(Object.keys(catalog.plans)).toEqual(
      expect.arrayContaining(['free', 'pro_monthly', 'pro_yearly', 'enterprise']),
    );
    expect(catalog.plans.pro_monthly).toMatchObject({
      priceAmount: 2999,
      currency: 'usd',
      interval: 'month',
      trialDays: 14,
      meteredAllowances: expect.arrayContaining([
        { meterKey: 'executions', includedQuantity: 100_000, overage: { amount: 50, blockSize: 1000 } },
      ]),
      creditsPerPeriodMilliCredits: 1_000_000,
    });
    expect(catalog.meters.active_users).toEqual({
      name: 'Active users',
      aggregation: 'unique_count',
      property: 'user_id',
      unit: 'user',
    });
    expect(catalog.creditPackages.auto_top_up_500).toMatchObject({
      availableForPurchase: false,
      availableForAutoTopUp: true,
    });
    expect(JSON.parse(formatCatalog(await exportCatalog(), 'json'))).toEqual(catalog);
  });
});

describe('a catalog file applied to an empty catalog', () => {
  const stack = useBillingStack({ catalog: 'empty' });
  const stateOf = catalogState(stack);

  it('makes the catalog it was exported from: exporting again gives the same document', async () => {
    const changes = await apply(demoExport);
    expect(new Set(Object.values(actionsOf(changes, 'plans')))).toEqual(new Set(['publish']));
    expect(formatCatalog(await exportCatalog(), 'yaml')).toBe(demoExport);
    // Every paid self-serve plan and every package can be bought through Checkout at once.
    const unpriced = await stack
      .knex('plans')
      .where({ active: true, purchaseMode: 'self_serve' })
      .where('priceAmount', '>', 0)
      .whereNull('stripePriceId');
    expect(unpriced).toEqual([]);
    expect(await stack.knex('credit_packages').whereNull('stripePriceId')).toEqual([]);
  });

  it('does nothing the second time', async () => {
    const before = await stateOf();
    const changes = await apply(demoExport);
    expect(changesAnything(changes)).toBe(false);
    expect(await stateOf()).toEqual(before);
  });

  it('is what seeds/catalog.yaml says: the file and the seed are the same catalog', async () => {
    const text = await readFile(join(__dirname, '../../seeds/catalog.yaml'), 'utf8');
    const changes = await planCatalogChanges(parseCatalogFile(text));
    expect(
      changes.meters.concat(changes.plans, changes.creditPackages).map((change) => change.action),
    ).toEqual(expect.not.arrayContaining(['create', 'update', 'publish', 'keep']));
    expect(changes.plans.map((change) => change.key).sort()).toEqual(
      Object.keys(YAML.parse(demoExport).plans).sort(),
    );
  });

  it('publishes a changed plan as its next version with a new Stripe price, and leaves the rest', async () => {
    const text = editedDemo((catalog) => {
      catalog.plans.pro_monthly.priceAmount = 3499;
      catalog.plans.pro_monthly.features.push('sso');
      catalog.meters.executions.name = 'Executions';
      catalog.creditPackages.credits_500.priceAmount = 1100;
    });
    const changes = await apply(text);
    expect(changes.plans.filter((change) => change.action !== 'unchanged')).toEqual([
      { key: 'pro_monthly', action: 'publish', version: 2, changed: ['priceAmount', 'features'] },
    ]);
    expect(actionsOf(changes, 'meters')).toMatchObject({ executions: 'update', api_calls: 'unchanged' });
    expect(changes.creditPackages.find((change) => change.key === 'credits_500')).toEqual({
      key: 'credits_500',
      action: 'update',
      changed: ['priceAmount'],
    });

    const versions = await stack.knex('plans').where({ key: 'pro_monthly' }).orderBy('version');
    expect(versions).toEqual([
      expect.objectContaining({ version: 1, status: 'published', active: false, priceAmount: 2999 }),
      expect.objectContaining({ version: 2, status: 'published', active: true, priceAmount: 3499 }),
    ]);
    const price = await stack.stripe.prices.retrieve(versions[1].stripePriceId);
    expect(price).toMatchObject({ unit_amount: 3499, lookup_key: 'plan:pro_monthly:v2' });
    const creditPackage = await stack.knex('credit_packages').where({ key: 'credits_500' }).first();
    expect(await stack.stripe.prices.retrieve(creditPackage.stripePriceId)).toMatchObject({
      unit_amount: 1100,
      lookup_key: 'credit_package:credits_500',
    });
    expect(formatCatalog(await exportCatalog(), 'yaml')).toBe(formatCatalog(await exportCatalog(), 'yaml'));
    expect(YAML.parse(formatCatalog(await exportCatalog(), 'yaml')).plans.pro_monthly.priceAmount).toBe(3499);
    expect(changesAnything(await apply(text))).toBe(false);
  });

  it('carries limits per parent resource and limit buffers both ways', async () => {
    const catalog = YAML.parse(formatCatalog(await exportCatalog(), 'yaml'));
    {
      const limits = catalog.plans.team_monthly.limits as Array<Record<string, unknown>>;
      limits.push({
        featureKey: 'participants',
        limit: 500,
        scope: 'per_resource',
        scopeResourceType: 'room',
      });
      limits.find((limit) => limit.featureKey === 'rooms')!.overageBufferPercent = 10;
    }
    const changes = await apply(YAML.stringify(catalog));
    expect(changes.plans.filter((change) => change.action !== 'unchanged')).toEqual([
      { key: 'team_monthly', action: 'publish', version: 2, changed: ['limits'] },
    ]);
    const entitlements = await stack
      .knex('plan_entitlements')
      .join('plans', 'plans.id', 'plan_entitlements.planId')
      .where({ 'plans.key': 'team_monthly', 'plans.active': true })
      .whereIn('featureKey', ['participants', 'rooms'])
      .orderBy('featureKey')
      .select('featureKey', 'limitValue', 'scope', 'scopeResourceType', 'overageBufferPercent');
    expect(entitlements).toEqual([
      {
        featureKey: 'participants',
        limitValue: 500,
        scope: 'per_resource',
        scopeResourceType: 'room',
        overageBufferPercent: 0,
      },
      expect.objectContaining({ featureKey: 'rooms', scope: 'account', overageBufferPercent: 10 }),
    ]);
    const exported = YAML.parse(formatCatalog(await exportCatalog(), 'yaml'));
    expect(exported.plans.team_monthly.limits).toEqual(
      expect.arrayContaining([
        { featureKey: 'participants', limit: 500, scope: 'per_resource', scopeResourceType: 'room' },
        expect.objectContaining({ featureKey: 'rooms', overageBufferPercent: 10 }),
      ]),
    );
    // Limits without either keep their short form.
    expect(exported.plans.team_monthly.limits).toContainEqual({
      featureKey: 'agents',
      limit: 250,
    });
    expect(changesAnything(await apply(formatCatalog(await exportCatalog(), 'yaml')))).toBe(false);
  });

  it('keeps plans and packages on sale that the file leaves out, and archives them when asked', async () => {
    const text = editedDemo((catalog) => {
      delete catalog.plans.pro_lifetime;
      delete catalog.creditPackages.credits_10000;
    });
    const kept = await planCatalogChanges(parseCatalogFile(text));
    expect(actionsOf(kept, 'plans')).toMatchObject({ pro_lifetime: 'keep' });
    expect(actionsOf(kept, 'creditPackages')).toMatchObject({ credits_10000: 'keep' });

    const archived = await apply(text, { archiveMissing: true });
    expect(actionsOf(archived, 'plans')).toMatchObject({ pro_lifetime: 'archive' });
    expect(await stack.knex('plans').where({ key: 'pro_lifetime' })).toEqual([
      expect.objectContaining({ status: 'archived', active: false }),
    ]);
    expect(await stack.knex('credit_packages').where({ key: 'credits_10000' }).first()).toMatchObject({
      active: false,
    });
    expect(changesAnything(await planCatalogChanges(parseCatalogFile(text), { archiveMissing: true }))).toBe(
      false,
    );
  });

  describe('a file the catalog cannot take', () => {
    it('is refused whole, every problem by its path, and nothing changes', async () => {
      const before = await stateOf();
      const text = editedDemo((catalog) => {
        catalog.plans.pro_monthly.meteredAllowances.push({ meterKey: 'gpu_minutes', includedQuantity: 5 });
        catalog.plans.pro_yearly.priceAmount = 0;
        catalog.plans.pro_lifetime.isDefault = true;
        catalog.plans.pro_lifetime.priceAmount = 0;
        catalog.meters.executions.aggregation = 'sum';
        catalog.plans.free.isDefault = false;
        catalog.plans.brand_new = { ...catalog.plans.starter_monthly, priceAmount: 0 };
      });
      expect(await problemsOf(() => apply(text, { archiveMissing: true }))).toEqual({
        'meters.executions.aggregation': expect.stringContaining('is count for the usage already recorded'),
        'plans.pro_monthly.meteredAllowances.6.meterKey': 'no meter has the key gpu_minutes',
        'plans.pro_yearly.priceAmount':
          'a self-serve plan is bought through Checkout and needs a price above 0',
        'plans.pro_lifetime.isDefault': 'new accounts start on free; publish a new version of it instead',
        'plans.free.isDefault': expect.stringContaining('new accounts start on free'),
        'plans.brand_new.priceAmount':
          'a self-serve plan is bought through Checkout and needs a price above 0',
      });
      expect(await stateOf()).toEqual(before);
    });

    it('is refused for what is wrong in the file itself, before the catalog is read', async () => {
      const text = editedDemo((catalog) => {
        catalog.plans.pro_monthly.priceAmount = -5;
        catalog.plans.pro_monthly.trailDays = 7;
        catalog.plans.pro_yearly.interval = 'fortnight';
        catalog.plans.pro_yearly.limits[0].limt = 3;
        catalog.plans.pro_lifetime.isDefault = true;
        catalog.creditPackages.credits_500.milliCredits = 0;
        catalog.meters.active_users.property = null;
        catalog.prices = {};
      });
      expect(await problemsOf(async () => parseCatalogFile(text))).toEqual({
        prices: 'is not a section of a catalog (meters, plans, creditPackages)',
        'plans.pro_monthly.priceAmount': 'must not be negative',
        'plans.pro_monthly.trailDays': 'is not a field of this entry',
        'plans.pro_yearly.interval': expect.stringContaining('month'),
        'plans.pro_yearly.limits.0.limt': 'is not a field of this entry',
        'plans.pro_lifetime.isDefault': expect.stringContaining('new accounts start on one plan; free is it'),
        'creditPackages.credits_500.milliCredits': 'must be at least 1',
        'meters.active_users.property': expect.stringContaining('needs the event property'),
      });
    });

    it('names a scope or buffer that a limit could not be enforced with', async () => {
      const text = editedDemo((catalog) => {
        catalog.plans.pro_monthly.limits[0].overageBufferPercent = 150;
        catalog.plans.pro_yearly.limits[0].scope = 'per_resource';
        catalog.plans.pro_yearly.meteredAllowances[0].overageBufferPercent = 10;
        catalog.plans.free.limits[0].scope = 'per_room';
      });
      expect(await problemsOf(async () => parseCatalogFile(text))).toEqual({
        'plans.pro_monthly.limits.0.overageBufferPercent': 'is at most 100',
        'plans.pro_yearly.limits.0.scopeResourceType': expect.stringContaining('is required'),
        'plans.pro_yearly.meteredAllowances.0.overageBufferPercent': 'is only for limits',
        'plans.free.limits.0.scope': expect.any(String),
      });
    });

    it('names a key given twice', async () => {
      const text = demoExport.replace(
        '\n  pro_yearly:\n',
        '\n  pro_monthly:\n    name: Again\n  pro_yearly:\n',
      );
      expect(await problemsOf(async () => parseCatalogFile(text))).toEqual({
        'plans.pro_monthly': expect.stringMatching(/^is given more than once \(again on line \d+\)$/),
      });
    });

    it('is refused as malformed YAML, by line and column', async () => {
      const problems = await problemsOf(async () =>
        parseCatalogFile('plans:\n  free:\n    name: [Free\n    tier: free\n'),
      );
      expect(Object.keys(problems)).toEqual([expect.stringMatching(/^line \d+, column \d+$/)]);
    });
  });
});
