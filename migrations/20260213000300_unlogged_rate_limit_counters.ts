import type { Knex } from 'knex';

/**
 * Request limits are counted on every API request. As an unlogged table their upserts commit without a
 * WAL flush (decision 052); a Postgres crash empties it, which forgets the current windows and nothing
 * else, and standbys do not carry it, so a failover starts the windows afresh.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table rate_limit_counters set unlogged;`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table rate_limit_counters set logged;`);
}
