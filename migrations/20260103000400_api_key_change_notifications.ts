import type { Knex } from 'knex';

/**
 * API keys are cached per process for the partners' hot path; any change to a key (its revocation above
 * all) is announced so every process drops it at once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function notify_api_key_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('api_key_changed', coalesce(new.prefix, old.prefix));
      return null;
    end $$;
    create trigger api_keys_notify_changed after update or delete on api_keys
      for each row execute function notify_api_key_changed();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop trigger api_keys_notify_changed on api_keys; drop function notify_api_key_changed();`);
}
