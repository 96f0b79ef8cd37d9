import type { Knex } from 'knex';

/** Each run of the books' reconciliation and what it found. Differences are reported here, never fixed. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table reconciliation_reports (
      id uuid primary key default gen_random_uuid(),
      started_at timestamptz not null,
      finished_at timestamptz not null,
      balanced boolean not null,
      differences jsonb not null,
      checked jsonb not null
    );
    create index reconciliation_reports_recent on reconciliation_reports (started_at desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table reconciliation_reports;`);
}
