import type { Knex } from 'knex';

/**
 * A consumption by meter keeps the description it was asked with, so that a retry under its key with
 * another description is told the key was used for a different request rather than answered as a
 * replay. (A consumption by amount keeps it in its ledger entry.)
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table metered_credit_consumptions add column description text;`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table metered_credit_consumptions drop column description;`);
}
