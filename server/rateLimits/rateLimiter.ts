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
 * The service's request limits, counted in Postgres (rate-limiter-flexible's Postgres store, one
 * upsert per request), so that every process of the service shares them. Nothing is cached in
 * memory: a limit is exactly as strict with ten processes as with one.
 */
export function createRateLimits({
  database,
  rules = DEFAULT_RATE_LIMIT_RULES,
}: {
  database: Database;
  rules?: RateLimitRules;
}): RateLimits {
  const limiters = new Map<RateLimitName, RateLimiterPostgres>();
  const limiter = (name: RateLimitName) => {
    let existing = limiters.get(name);
    if (!existing) {
      existing = new RateLimiterPostgres({
        storeClient: database,
        storeType: 'knex',
        tableName: TABLE,
        // The table is the migration's; expired counters are purged by a job, not a timer per process.
        tableCreated: true,
        clearExpiredByTimeout: false,
        keyPrefix: name,
        points: rules[name].points,
        duration: rules[name].durationSeconds,
      });
      limiters.set(name, existing);
    }
    return existing;
  };
  return {
    async consume(name, key) {
      try {
        await limiter(name).consume(key);
      } catch (outcome) {
        if (!(outcome instanceof RateLimiterRes)) throw outcome;
        throw new RateLimitedError(Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)));
      }
    },
  };
}

/** Counters whose window ended more than an hour ago count for nothing. */
export async function purgeExpiredRateLimitCounters({ database }: { database: Database }): Promise<number> {
  return database(TABLE)
    .where('expire', '<', Date.now() - 60 * 60 * 1000)
    .delete();
}
