import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Database } from './knex';

const DEMO_CATALOG_SEED = '01_catalog.ts';

/**
 * Loads the demo data the configuration asks for, adding only what is missing. In production that is
 * the demo catalog at most, for an operator trying the product out; the demo users and the demo partner
 * key are never created there (decision 028).
 */
export async function seedDemoData({
  database,
  config,
  logger,
}: {
  database: Database;
  config: Pick<Config, 'seedDemoData' | 'seedDemoUsers'>;
  logger: Logger;
}): Promise<void> {
  if (!config.seedDemoData) return;
  if (config.seedDemoUsers) {
    await database.seed.run();
    return;
  }
  await database.seed.run({ specific: DEMO_CATALOG_SEED });
  logger.warn(
    'SEED_DEMO_DATA=true in production: the demo catalog is loaded (what is missing of it); demo users and the demo partner key are never created in production',
  );
}
