import type { Knex } from 'knex';

/**
 * Conventions every later migration relies on:
 * - set_updated_at(): keeps `updated_at` honest on mutable tables;
 * - forbid_changes(): makes a table append-only (ledgers, audit log). Corrections are new rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function set_updated_at() returns trigger language plpgsql as $$
    begin
      new.updated_at := now();
      return new;
    end $$;

    create function forbid_changes() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % is not allowed', tg_table_name, tg_op
        using errcode = 'restrict_violation';
    end $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function forbid_changes(); drop function set_updated_at();`);
}
