import type { Knex } from 'knex';

/**
 * An API key acts with at most what the user who created it may do now (server/auth/apiKeys.ts), and
 * processes cache keys with their creator's standing. A change to anyone's standing (a membership's
 * role or its removal, platform admin rights, a deleted login) is announced so every process reads it
 * again. A login removed outright takes its keys with it: they are revoked, so that a key whose creator
 * is gone never passes for one the platform issued itself (whose creator is null).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function notify_user_access_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('user_access_changed', coalesce(new.user_id, old.user_id)::text);
      return null;
    end $$;
    create trigger memberships_notify_access_changed after update or delete on memberships
      for each row execute function notify_user_access_changed();

    create function notify_user_standing_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('user_access_changed', coalesce(new.id, old.id)::text);
      return null;
    end $$;
    create trigger users_notify_standing_changed
      after update of is_platform_admin, deleted_at on users
      for each row when (old.is_platform_admin is distinct from new.is_platform_admin
                         or old.deleted_at is distinct from new.deleted_at)
      execute function notify_user_standing_changed();

    create function revoke_api_keys_of_deleted_user() returns trigger language plpgsql as $$
    begin
      update api_keys set revoked_at = now() where created_by_user_id = old.id and revoked_at is null;
      return old;
    end $$;
    create trigger users_revoke_api_keys before delete on users
      for each row execute function revoke_api_keys_of_deleted_user();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger users_revoke_api_keys on users;
    drop function revoke_api_keys_of_deleted_user();
    drop trigger users_notify_standing_changed on users;
    drop function notify_user_standing_changed();
    drop trigger memberships_notify_access_changed on memberships;
    drop function notify_user_access_changed();
  `);
}
