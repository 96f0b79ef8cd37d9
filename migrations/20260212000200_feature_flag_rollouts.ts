import type { Knex } from 'knex';

/**
 * Feature flags for everyone (docs/decisions/046-feature-flags-for-everyone.md): any key, a description,
 * a rollout in whole percent of accounts while the flag is on, and per-account overrides that win over
 * both. Built-in flags (self_serve_billing) have no row until someone changes them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table feature_flags
      add column rollout_percent smallint not null default 100 check (rollout_percent between 0 and 100),
      add column created_at timestamptz not null default now(),
      add constraint feature_flags_key_length check (char_length(key) <= 64);
    update feature_flags set description = '' where description is null;
    alter table feature_flags alter column description set default '', alter column description set not null;

    create table feature_flag_overrides (
      flag_key text not null references feature_flags (key) on delete cascade,
      account_id uuid not null references accounts (id) on delete cascade,
      enabled boolean not null,
      updated_by_user_id uuid references users (id) on delete set null,
      updated_at timestamptz not null default now(),
      primary key (flag_key, account_id)
    );
    create index feature_flag_overrides_account on feature_flag_overrides (account_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table feature_flag_overrides;
    alter table feature_flags drop constraint feature_flags_key_length, drop column rollout_percent, drop column created_at,
      alter column description drop not null, alter column description drop default;
  `);
}
