import type { Knex } from 'knex';

/**
 * The origins a partner key may send customers back to from Checkout and the portal, on top of the
 * platform's PARTNER_RETURN_ORIGINS (decision 032). Set when the key is created; none by default.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table api_keys add column return_origins text[] not null default '{}'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table api_keys drop column return_origins`);
}
