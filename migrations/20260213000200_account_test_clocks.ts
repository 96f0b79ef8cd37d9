import type { Knex } from 'knex';

/**
 * An account may live on a Stripe test clock (development and Stripe test mode only): its Stripe
 * customer is created on the clock, and the service's "now" for the account is the clock's frozen time,
 * kept here so that reading it needs no call to Stripe. Both are set together or not at all.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table accounts
      add column stripe_test_clock_id text check (char_length(stripe_test_clock_id) between 1 and 255),
      add column test_clock_time timestamptz,
      add constraint accounts_test_clock_complete
        check ((stripe_test_clock_id is null) = (test_clock_time is null))
  `);
  await knex.raw(
    `create index accounts_on_a_test_clock on accounts (id) where stripe_test_clock_id is not null`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index accounts_on_a_test_clock`);
  await knex.raw(`
    alter table accounts
      drop constraint accounts_test_clock_complete,
      drop column test_clock_time,
      drop column stripe_test_clock_id
  `);
}
