import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { plans as demoPlans } from '../../seeds/01_catalog';
import { seed as seedDemoUsers } from '../../seeds/02_demo_users';
import { loadConfig } from '../../server/config';
import { seedDemoData } from '../../server/db/demoData';
import { createLogger } from '../../server/logger';
import { useTestDatabase } from '../support/database';

/**
 * Turning SEED_DEMO_DATA on in production may load the demo catalog, never the demo admin, owner and
 * full-scope partner key (decision 028).
 */
const db = useTestDatabase();
let folder: string;
beforeAll(async () => {
  // The demo seed keeps the passwords it makes in this file; a test must not touch a developer's own.
  folder = await mkdtemp(join(tmpdir(), 'billing-demo-'));
  process.env.DEMO_CREDENTIALS_FILE = join(folder, 'demo-credentials.json');
});
afterAll(async () => {
  delete process.env.DEMO_CREDENTIALS_FILE;
  await rm(folder, { recursive: true, force: true });
});

const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'x'.repeat(32),
  PUBLIC_URL: 'https://billing.example.com',
  STRIPE_SECRET_KEY: 'sk_live_abc',
  STRIPE_WEBHOOK_SECRET: 'whsec_abc',
  METRICS_TOKEN: 'metrics-token-0123456789',
};

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

const countOf = async (table: string) => Number((await db.knex(table).count({ count: '*' }).first())!.count);

describe('the configuration', () => {
  it('never asks for demo users in production, whatever SEED_DEMO_DATA says', () => {
    expect(loadConfig({ ...PRODUCTION, SEED_DEMO_DATA: 'true' })).toMatchObject({
      seedDemoData: true,
      seedDemoUsers: false,
    });
    expect(loadConfig(PRODUCTION)).toMatchObject({ seedDemoData: false, seedDemoUsers: false });
    expect(loadConfig({})).toMatchObject({ seedDemoData: true, seedDemoUsers: true });
    expect(loadConfig({ SEED_DEMO_DATA: 'false' })).toMatchObject({
      seedDemoData: false,
      seedDemoUsers: false,
    });
  });
});

describe('seeding in production with SEED_DEMO_DATA=true', () => {
  it('loads the demo catalog, says so, and creates no user and no API key', async () => {
    const { logger, lines } = capturingLogger();
    await seedDemoData({
      database: db.knex,
      config: loadConfig({ ...PRODUCTION, SEED_DEMO_DATA: 'true' }),
      logger,
    });
    expect(await countOf('plans')).toBe(demoPlans.length);
    expect(await countOf('users')).toBe(0);
    expect(await countOf('apiKeys')).toBe(0);
    expect(await countOf('accounts')).toBe(0);
    expect(lines.map((line) => JSON.parse(line) as { level: number; msg: string })).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringContaining('never created in production') }),
    ]);
  });

  it('refuses the demo users seed itself when run by hand (knex seed:run) in production', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(seedDemoUsers(db.knex)).rejects.toThrow(
        'Demo users and the demo partner key are never created when NODE_ENV=production.',
      );
    } finally {
      process.env.NODE_ENV = previous;
    }
    expect(await countOf('users')).toBe(0);
    expect(await countOf('apiKeys')).toBe(0);
  });
});

describe('seeding in development', () => {
  it('creates the demo admin, owner and partner key besides the catalog', async () => {
    await seedDemoData({ database: db.knex, config: loadConfig({}), logger: capturingLogger().logger });
    expect(await db.knex('users').orderBy('email').pluck('email')).toEqual([
      'admin@example.com',
      'owner@example.com',
    ]);
    expect(await countOf('apiKeys')).toBe(1);
  });
});
