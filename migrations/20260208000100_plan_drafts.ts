import type { Knex } from 'knex';

/**
 * Plans are defined through the API as drafts and published as immutable versions (decision 029):
 * - status: a draft may still change and is never sold; a published version never changes again; an
 *   archived plan was withdrawn from sale. `active` keeps its meaning, "the version of its key on sale":
 *   only a published version can hold it, and a published version loses it when a newer one is
 *   published (its subscribers keep it).
 * - one draft per key at a time, so that "the next version of this key" is never ambiguous.
 * Every plan written before this was published.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table plans
      add column status text not null default 'published' check (status in ('draft', 'published', 'archived')),
      add constraint plans_only_published_on_sale check (status = 'published' or not active);
    create unique index plans_one_draft_per_key on plans (key) where status = 'draft';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index plans_one_draft_per_key;
    alter table plans drop constraint plans_only_published_on_sale, drop column status;
  `);
}
