import type { Knex } from 'knex';

/** Accounts are cached per process for authorization on the partners' hot path; changes are announced. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function notify_account_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('account_changed', coalesce(new.id, old.id)::text);
      return null;
    end $$;
    create trigger accounts_notify_changed after update or delete on accounts
      for each row execute function notify_account_changed();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop trigger accounts_notify_changed on accounts; drop function notify_account_changed();`);
}
