import type { Knex } from 'knex';

/**
 * When partners were last told that an account reached a feature's hard limit, beside when its soft
 * limit was last warned of: each has its own daily cooldown (decision 035), so a row may exist for one
 * before the other.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table limit_warnings
      alter column last_warned_at drop not null,
      add column last_limit_reached_at timestamptz
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`delete from limit_warnings where last_warned_at is null`);
  await knex.raw(`
    alter table limit_warnings
      drop column last_limit_reached_at,
      alter column last_warned_at set not null
  `);
}
