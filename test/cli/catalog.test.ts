import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { exportCatalog, formatCatalog } from '../../server/catalog/catalogFile';
import { createDemoCatalog } from '../factories';
import { useTestDatabase } from '../support/database';
import { runOperatorCommand, type CommandRun } from '../support/operatorCommand';

/**
 * `npm run catalog`, run as an operator runs it: a real process on the database of the service. Only
 * changes that need no Stripe price are applied here (Stripe is then never started); applying paid plans
 * is covered through the same code in test/catalog/.
 */
const db = useTestDatabase();
let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'billing-catalog-'));
  await createDemoCatalog(db.knex);
});
afterAll(() => rm(folder, { recursive: true, force: true }));

function runCatalog(args: string[]): Promise<CommandRun> {
  return runOperatorCommand('catalog', args, { DATABASE_URL: db.connectionString });
}

async function catalogState() {
  return {
    plans: await db.knex('plans').orderBy('id'),
    meters: await db.knex('meters').orderBy('id'),
    creditPackages: await db.knex('credit_packages').orderBy('id'),
    audit: (await db.knex('audit_log')).length,
  };
}

async function writeCatalog(name: string, edit: (catalog: any) => void): Promise<string> {
  const catalog = YAML.parse(formatCatalog(await exportCatalog(), 'yaml'));
  edit(catalog);
  const path = join(folder, name);
  await writeFile(path, YAML.stringify(catalog));
  return path;
}

describe('npm run catalog', () => {
  it('exports the catalog on sale, to stdout or to a file', async () => {
    const printed = await runCatalog(['export']);
    expect(printed).toMatchObject({ code: 0 });
    expect(printed.stdout).toBe(formatCatalog(await exportCatalog(), 'yaml'));

    const path = join(folder, 'catalog.json');
    expect(await runCatalog(['export', '--file', path])).toMatchObject({ code: 0 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(YAML.parse(printed.stdout));
  });

  it('refuses a bad file with exit code 2, every problem by its path, and changes nothing', async () => {
    const path = await writeCatalog('bad.yaml', (catalog) => {
      catalog.plans.pro_monthly.meteredAllowances[0].meterKey = 'gpu_minutes';
      catalog.plans.pro_yearly.priceAmount = 0;
    });
    const before = await catalogState();
    const run = await runCatalog(['apply', path]);
    expect(run).toMatchObject({ code: 2 });
    expect(run.stderr).toContain('nothing was changed');
    expect(run.stderr).toContain(
      'plans.pro_monthly.meteredAllowances.0.meterKey: no meter has the key gpu_minutes',
    );
    expect(run.stderr).toContain('plans.pro_yearly.priceAmount: a self-serve plan');
    expect(await catalogState()).toEqual(before);

    await writeFile(path, 'plans:\n  free: [\n');
    const malformed = await runCatalog(['apply', path]);
    expect(malformed).toMatchObject({ code: 2 });
    expect(malformed.stderr).toMatch(/The file is not a valid catalog:\n {2}line \d+, column \d+: /);
  });

  it('prints the plan of a dry run and changes nothing, then applies it, then has nothing to do', async () => {
    const path = await writeCatalog('changed.yaml', (catalog) => {
      catalog.plans.enterprise.priceAmount = 149_900;
      catalog.meters.gpu_minutes = { name: 'GPU minutes', aggregation: 'sum', unit: 'minute' };
    });
    const before = await catalogState();
    const dryRun = await runCatalog(['apply', path, '--dry-run']);
    expect(dryRun).toMatchObject({ code: 0 });
    expect(dryRun.stdout).toContain('  create     gpu_minutes');
    expect(dryRun.stdout).toContain('  publish    enterprise v2, a new version (priceAmount)');
    expect(dryRun.stdout).toContain('  unchanged  pro_monthly');
    expect(dryRun.stdout).toContain('Dry run: nothing was changed.');
    expect(await catalogState()).toEqual(before);

    // Enterprise is sold by contact, so it needs no Stripe price: the command starts no Stripe.
    const applied = await runCatalog(['apply', path]);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.stderr).not.toContain('Stripe');
    expect(await db.knex('plans').where({ key: 'enterprise', active: true }).first()).toMatchObject({
      version: 2,
      priceAmount: 149_900,
    });
    expect(await db.knex('meters').where({ key: 'gpu_minutes' }).first()).toMatchObject({ active: true });
    expect(
      await db.knex('audit_log').where({ action: 'plan.published', actorId: `catalog file ${path}` }),
    ).toHaveLength(1);

    const again = await runCatalog(['apply', path]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('nothing to do');
  });
});
