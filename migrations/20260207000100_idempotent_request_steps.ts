import type { Knex } from 'knex';

/**
 * What a request under an idempotency key decided before acting (the subscription it cancels, the
 * checkout it opens, the change it makes), and what each of its steps answered once committed. A retry
 * that resumes the request after a crash reads them back, so it acts on the first call's decision and
 * answers as the first call would have, whatever changed meanwhile
 * (docs/decisions/026-resumed-decisions-failed-refunds-and-refunds-on-cancel.md).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table idempotent_requests add column steps jsonb not null default '{}'::jsonb;`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table idempotent_requests drop column steps;`);
}
