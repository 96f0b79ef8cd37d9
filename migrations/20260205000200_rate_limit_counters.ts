import type { Knex } from 'knex';

/**
 * Request limits (per API key, per user, per client address; stricter ones on sign-in, sign-up,
 * password reset and the billing portal), counted here so that every process shares them. The shape
 * is the one rate-limiter-flexible's Postgres store reads and writes: a key (`<limit>:<who>`), the
 * points used in the current window and when it ends, in milliseconds since the epoch. A job purges
 * counters whose window ended long ago.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table rate_limit_counters (
      key varchar(255) primary key,
      points integer not null default 0,
      expire bigint
    );
    create index rate_limit_counters_expire on rate_limit_counters (expire);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table rate_limit_counters;`);
}
