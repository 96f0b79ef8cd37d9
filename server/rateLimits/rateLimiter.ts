import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '../db/knex';
import { RateLimitedError } from '../errors';
import { DEFAULT_RATE_LIMIT_RULES, type RateLimitName, type RateLimitRules } from './rules';

/** Where every limit counts, in Postgres (migrations/20260205000200_rate_limit_counters.ts). */
const TABLE = 'rate_limit_counters';

export interface RateLimits {
  /**
   * Counts one request against the limit for `key` (an API key's id, a user's id, a client address),
   * or throws RATE_LIMITED with the seconds until the window lets it through.
   */
  consume(name: RateLimitName, key: string): Promise<void>;
}

/**
 * The service's request limits, counted in Postgres (rate-limiter-flexible's Postgres store, one upsert
 * per count), so that every process of the service shares them: a limit is exactly as strict with ten
 * processes as with one. Requests of one caller that arrive while that caller's count is being written
 * are counted together in the next upsert (`CountedTogether`), so a busy partner costs one round trip per
 * burst instead of one per request. The table is unlogged (decision 052): counts commit without a WAL
 * flush, and a Postgres crash forgets the current windows.
 */
export function createRateLimits({
  database,
  rules = DEFAULT_RATE_LIMIT_RULES,
}: {
  database: Database;
  rules?: RateLimitRules;
}): RateLimits {
  const limiters = new Map<RateLimitName, CountedTogether>();
  const limiter = (name: RateLimitName) => {
    let existing = limiters.get(name);
    if (!existing) {
      existing = new CountedTogether(
        new RateLimiterPostgres({
          storeClient: database,
          storeType: 'knex',
          tableName: TABLE,
          // The table is the migration's; expired counters are purged by a job, not a timer per process.
          tableCreated: true,
          clearExpiredByTimeout: false,
          keyPrefix: name,
          points: rules[name].points,
          duration: rules[name].durationSeconds,
        }),
        rules[name].points,
      );
      limiters.set(name, existing);
    }
    return existing;
  };
  return {
    consume: (name, key) => limiter(name).consume(key),
  };
}

interface Waiting {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * One limit, with the requests of a key that arrive while its previous count is in flight counted in
 * one upsert of n points. The store answers with the window's total after the upsert, so the requests
 * are let through in arrival order while they fit: the i-th of n passes when total − n + i ≤ points,
 * exactly as n upserts one after another would decide. Refused requests still count, as they do one by
 * one.
 */
class CountedTogether {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly store: RateLimiterPostgres,
    private readonly points: number,
  ) {}

  consume(key: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) queue.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.inFlight.has(key)) void this.count(key);
    });
  }

  private async count(key: string): Promise<void> {
    const requests = this.waiting.get(key);
    if (!requests) return;
    this.waiting.delete(key);
    this.inFlight.add(key);
    try {
      await this.store.consume(key, requests.length);
      for (const request of requests) request.resolve();
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) for (const request of requests) request.reject(outcome);
      else {
        const fitting = Math.max(0, this.points - (outcome.consumedPoints - requests.length));
        const retryAfterSeconds = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
        requests.forEach((request, index) =>
          index < fitting ? request.resolve() : request.reject(new RateLimitedError(retryAfterSeconds)),
        );
      }
    } finally {
      this.inFlight.delete(key);
      if (this.waiting.has(key)) void this.count(key);
    }
  }
}

/** Counters whose window ended more than an hour ago count for nothing. */
export async function purgeExpiredRateLimitCounters({ database }: { database: Database }): Promise<number> {
  return database(TABLE)
    .where('expire', '<', Date.now() - 60 * 60 * 1000)
    .delete();
}
