import type { Knex } from 'knex';

/**
 * Which accounts recorded usage in the last hour or two, without reading every rollup: the usage
 * threshold job (server/usage/usageThresholds.ts) reads one range of this index each minute. Only a new
 * hourly bucket adds an entry; usage folded into an existing bucket leaves the index as it is.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index usage_rollups_recent_hours on usage_rollups (bucket_start) where granularity = 'hour'
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index usage_rollups_recent_hours`);
}
