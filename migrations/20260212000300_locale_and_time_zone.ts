import type { Knex } from 'knex';

/**
 * How the web app writes numbers, money and dates: a user may choose a language (null follows the
 * browser's Accept-Language), and an account names the time zone its dates are shown in (an IANA name,
 * checked by the service against the zones the runtime knows).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table users add column locale text
      check (locale is null or (char_length(locale) between 2 and 35 and locale ~ '^[A-Za-z0-9-]+$'))
  `);
  await knex.raw(`
    alter table accounts add column time_zone text not null default 'UTC'
      check (char_length(time_zone) between 1 and 64)
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table accounts drop column time_zone`);
  await knex.raw(`alter table users drop column locale`);
}
