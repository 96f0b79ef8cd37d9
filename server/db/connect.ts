import { resolve } from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { ensureDatabaseExists, startEmbeddedPostgres } from './embeddedPostgres';
import { bindModels, createDatabase, type Database } from './knex';

export interface DatabaseConnection {
  database: Database;
  connectionString: string;
  /** "external" when DATABASE_URL was given, "embedded" when this process runs Postgres itself. */
  mode: 'external' | 'embedded';
  close(): Promise<void>;
}

const EMBEDDED_DATABASE_NAME = 'billing';

/** Connects to DATABASE_URL, or starts the embedded Postgres (data kept under EMBEDDED_POSTGRES_DIR). */
export async function connectDatabase({
  config,
  logger,
}: {
  config: Config;
  logger: Logger;
}): Promise<DatabaseConnection> {
  if (config.databaseUrl) {
    const database = createDatabase({
      connectionString: config.databaseUrl,
      poolMax: config.databasePoolMax,
    });
    bindModels(database);
    return {
      database,
      connectionString: config.databaseUrl,
      mode: 'external',
      close: () => database.destroy(),
    };
  }

  const embedded = await startEmbeddedDatabase({ config, logger });
  const { connectionString } = embedded;
  const database = createDatabase({ connectionString, poolMax: config.databasePoolMax });
  bindModels(database);
  return {
    database,
    connectionString,
    mode: 'embedded',
    close: async () => {
      await database.destroy();
      await embedded.stop();
    },
  };
}

/**
 * Starts the embedded Postgres (data kept under EMBEDDED_POSTGRES_DIR) with the service's database in
 * it. For `connectDatabase`, and for the primary of several processes, which only hands its address on.
 */
export async function startEmbeddedDatabase({
  config,
  logger,
}: {
  config: Config;
  logger: Logger;
}): Promise<{ connectionString: string; stop(): Promise<void> }> {
  logger.info(
    { dataDir: config.embeddedPostgresDir },
    'DATABASE_URL is unset: starting the embedded Postgres',
  );
  const cluster = await startEmbeddedPostgres({
    dataDir: config.embeddedPostgresDir,
    persistent: true,
    onLog: (message) => logger.debug({ postgres: message.trim() }, 'postgres'),
  });
  if (cluster.dataDir !== resolve(config.embeddedPostgresDir)) {
    logger.warn(
      { dataDir: cluster.dataDir },
      'the postgres system user cannot reach EMBEDDED_POSTGRES_DIR; keeping the data here instead',
    );
  }
  await ensureDatabaseExists(cluster.connectionString('postgres'), EMBEDDED_DATABASE_NAME);
  return {
    connectionString: cluster.connectionString(EMBEDDED_DATABASE_NAME),
    stop: () => cluster.stop(),
  };
}
