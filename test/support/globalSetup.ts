import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../server/db/embeddedPostgres';
import { createDatabase } from '../../server/db/knex';
import { migrateToLatest } from '../../server/db/migrations';
import { withDatabase } from './connectionStrings';
import { bundleCrashingApp, CRASHING_APP_BUNDLE } from './crashingAppBundle';

/**
 * Starts one throwaway Postgres for the run (or uses TEST_DATABASE_URL's server) and builds the migrated
 * template every test file clones, and bundles the second server process crash tests start. Workers
 * inherit the environment variables set here.
 */
export default async function globalSetup(): Promise<void> {
  process.env[CRASHING_APP_BUNDLE] = await bundleCrashingApp();
  let maintenanceUrl = process.env.TEST_DATABASE_URL;
  if (!maintenanceUrl) {
    const cluster = await startEmbeddedPostgres({
      dataDir: await mkdtemp(join(tmpdir(), 'billing-test-pg-')),
      persistent: false,
      fast: true,
    });
    (globalThis as { testCluster?: EmbeddedPostgresHandle }).testCluster = cluster;
    maintenanceUrl = cluster.connectionString('postgres');
  }
  process.env.TEST_DATABASE_URL = maintenanceUrl;
  // Named per run, so two runs against one TEST_DATABASE_URL server do not trample each other.
  const TEMPLATE_DATABASE = `billing_test_template_${process.pid}`;
  process.env.TEST_TEMPLATE_DATABASE = TEMPLATE_DATABASE;

  const admin = createDatabase({ connectionString: maintenanceUrl, poolMax: 1 });
  try {
    await admin.raw(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
    await admin.raw(`create database ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.destroy();
  }
  const template = createDatabase({
    connectionString: withDatabase(maintenanceUrl, TEMPLATE_DATABASE),
    poolMax: 1,
  });
  try {
    await migrateToLatest(template);
  } finally {
    await template.destroy();
  }
}
