import type { EmbeddedPostgresHandle } from '../../server/db/embeddedPostgres';
import { createDatabase } from '../../server/db/knex';
import { removeCrashingAppBundle } from './crashingAppBundle';

export default async function globalTeardown(): Promise<void> {
  await removeCrashingAppBundle();
  const cluster = (globalThis as { testCluster?: EmbeddedPostgresHandle }).testCluster;
  if (cluster) return cluster.stop();
  // On a shared server (TEST_DATABASE_URL), remove what this run created.
  const admin = createDatabase({ connectionString: process.env.TEST_DATABASE_URL!, poolMax: 1 });
  try {
    await admin.raw(`drop database if exists ${process.env.TEST_TEMPLATE_DATABASE} with (force)`);
  } finally {
    await admin.destroy();
  }
}
