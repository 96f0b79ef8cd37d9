import pg from 'pg';
import type { Logger } from '../logger';
import type { Database } from './knex';

/**
 * One key for "this process is preparing the database" (migrations, the job queue's schema, seeding),
 * shared by every copy of the service on the same database. Any fixed bigint works; this one spells
 * "billing" in ASCII, so it is recognisable in pg_locks.
 */
export const STARTUP_LOCK_KEY = 0x62696c6c696e67n;

/** How often a waiting process says it is still waiting. */
const WAIT_MESSAGE_EVERY_MS = 10_000;

/**
 * Runs `prepare` while holding a Postgres session advisory lock, so that copies started at the same
 * moment prepare the database one after another: the first migrates and seeds, the others wait, then
 * find nothing left to do. The lock lives on a connection of its own, outside the pool, and Postgres
 * releases it when that session ends, so a process killed half-way leaves nothing that blocks the
 * next start.
 */
export async function withStartupLock<T>({
  database,
  logger,
  prepare,
}: {
  database: Database;
  /** Where to say that this process waits; silent without one. */
  logger?: Logger;
  prepare: () => Promise<T>;
}): Promise<T> {
  // Not a pooled connection: the pool may be a single connection, which `prepare` needs for itself.
  const { connection } = database.client.config as { connection: pg.ClientConfig };
  const client = new pg.Client({ ...connection, application_name: 'billing-service startup' });
  await client.connect();
  try {
    const key = STARTUP_LOCK_KEY.toString();
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [
      key,
    ]);
    if (!rows[0]!.locked) {
      logger?.info('another copy of the service is preparing the database; waiting for it to finish');
      const reminder = setInterval(
        () => logger?.info('still waiting for another copy of the service to prepare the database'),
        WAIT_MESSAGE_EVERY_MS,
      );
      try {
        await client.query('select pg_advisory_lock($1)', [key]);
      } finally {
        clearInterval(reminder);
      }
    }
    // Released explicitly on success; on a crash the session's end releases it.
    const result = await prepare();
    await client.query('select pg_advisory_unlock($1)', [key]);
    return result;
  } finally {
    await client.end().catch(() => undefined);
  }
}
