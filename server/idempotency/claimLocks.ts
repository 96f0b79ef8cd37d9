import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

interface PgConnection {
  query(sql: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/**
 * Tells a live request from a dead one. A request working under an idempotency claim holds a Postgres
 * session-level advisory lock named after the claim, on one connection its process keeps for as long
 * as it holds any. If the process dies, Postgres ends the session and the lock goes with it, so a retry
 * that finds the claim unfinished knows at once whether its owner is still at work (the lock is held:
 * wait) or gone (the lock is free: take the claim over). Within a process the locks held are also kept
 * in memory, because a session may take its own advisory lock twice.
 */
export class ClaimLocks {
  private readonly held = new Set<string>();
  private connection: Promise<PgConnection> | null = null;
  /** Operations on the shared connection run one at a time, so it is never released mid-use. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly knex: Knex) {}

  /** Takes the lock of `claimId`; false when another request (here or in another process) holds it. */
  tryLock(claimId: string): Promise<boolean> {
    if (this.held.has(claimId)) return Promise.resolve(false);
    this.held.add(claimId);
    return this.serially(async () => {
      try {
        const { rows } = await (
          await this.session()
        ).query('select pg_try_advisory_lock($1) as locked', [lockKey(claimId)]);
        if (rows[0]?.locked === true) return true;
      } catch (error) {
        this.lose();
        this.held.delete(claimId);
        throw error;
      }
      this.held.delete(claimId);
      await this.releaseIfIdle();
      return false;
    });
  }

  unlock(claimId: string): Promise<void> {
    if (!this.held.has(claimId)) return Promise.resolve();
    return this.serially(async () => {
      try {
        await (await this.session()).query('select pg_advisory_unlock($1)', [lockKey(claimId)]);
      } catch {
        // The session is gone, and its locks with it.
        this.lose();
      }
      this.held.delete(claimId);
      await this.releaseIfIdle();
    });
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private session(): Promise<PgConnection> {
    this.connection ??= this.knex.client.acquireConnection() as Promise<PgConnection>;
    return this.connection;
  }

  /** Forgets a broken connection; the pool discards it, and the next lock opens another session. */
  private lose(): void {
    const lost = this.connection;
    this.connection = null;
    void lost?.then((connection) => this.knex.client.releaseConnection(connection)).catch(() => undefined);
  }

  private async releaseIfIdle(): Promise<void> {
    if (this.held.size > 0 || !this.connection) return;
    const connection = await this.connection;
    this.connection = null;
    await this.knex.client.releaseConnection(connection);
  }
}

/** The advisory lock's 64-bit key: the claim id's hash, in a namespace of its own. */
function lockKey(claimId: string): string {
  return createHash('sha256').update(`idempotent-request:${claimId}`).digest().readBigInt64BE(0).toString();
}

const locksByDatabase = new WeakMap<Knex, ClaimLocks>();

/** The process's claim locks on this database. */
export function claimLocks(knex: Knex): ClaimLocks {
  let locks = locksByDatabase.get(knex);
  if (!locks) {
    locks = new ClaimLocks(knex);
    locksByDatabase.set(knex, locks);
  }
  return locks;
}
