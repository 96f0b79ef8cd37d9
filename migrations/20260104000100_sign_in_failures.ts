import type { Knex } from 'knex';

/**
 * Failed sign-ins, so that passwords cannot be guessed at speed: after too many failures for one email
 * address in a window, sign-ins to it are refused until the window has passed (server/auth/signInThrottle.ts).
 * The address is kept as its SHA-256 only: most failures name addresses that have no login, and those
 * are not ours to store. Rows older than a day serve nothing and are purged by a job.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table sign_in_failures (
      id bigint generated always as identity primary key,
      email_hash text not null check (length(email_hash) = 64),
      created_at timestamptz not null default now()
    );
    create index sign_in_failures_email on sign_in_failures (email_hash, created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table sign_in_failures;`);
}
