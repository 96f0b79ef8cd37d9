import type { Knex } from 'knex';

/**
 * Notices are rendered from templates into text and HTML (server/notifications/rendering.ts), in the
 * language of the account they are for.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (table) => {
    table.text('bodyHtml').nullable();
  });
  await knex.schema.alterTable('accounts', (table) => {
    // A BCP 47 tag such as de-DE; null: English.
    table.string('locale', 35).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('accounts', (table) => table.dropColumn('locale'));
  await knex.schema.alterTable('notifications', (table) => table.dropColumn('bodyHtml'));
}
