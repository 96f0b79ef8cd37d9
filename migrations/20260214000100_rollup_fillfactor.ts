import type { Knex } from 'knex';

/**
 * Ingest updates the current hour's and day's rollup rows over and over (decision 011), and each update
 * writes a new version of the row. With full pages that version lands on another page, and both the
 * primary key and the recent-hours index get an entry for it. Leaving half of each page free lets the
 * new version stay on its page as a heap-only tuple: no index entry, and the old one is pruned in place
 * (decision 055). Rollups are a small fraction of the events they summarise, so the space is cheap.
 * Only pages written from now on are affected.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table usage_rollups set (fillfactor = 50)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table usage_rollups reset (fillfactor)`);
}
