import type { Knex } from 'knex';

/**
 * Limits scoped to a parent resource, and a buffer beyond a limit (decision 037):
 * - plan_entitlements.scope: a LIMIT counts per account (as before) or per parent resource of
 *   scope_resource_type (50 participants per room); only LIMIT entitlements may be per resource;
 * - plan_entitlements.overage_buffer_percent: a LIMIT admits up to limit × (1 + percent / 100) before it
 *   refuses; 0 (no buffer) for everything that exists;
 * - entitled_resources.scope_key: the parent a resource is counted under ('' for account-wide limits),
 *   part of the key, so one participant may be in two rooms and each room is counted from the index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table plan_entitlements
      add column scope text not null default 'account' check (scope in ('account', 'per_resource')),
      add column scope_resource_type text check (scope_resource_type ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
      add column overage_buffer_percent integer not null default 0
        check (overage_buffer_percent between 0 and 100),
      add constraint plan_entitlements_scope_parent check (
        (scope = 'account' and scope_resource_type is null)
        or (scope = 'per_resource' and kind = 'limit' and scope_resource_type is not null)
      ),
      add constraint plan_entitlements_buffer_on_limits check (overage_buffer_percent = 0 or kind = 'limit');

    alter table entitled_resources
      add column scope_key text not null default '' check (length(scope_key) <= 200),
      drop constraint entitled_resources_pkey,
      add primary key (account_id, feature_key, scope_key, resource_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    delete from entitled_resources where scope_key <> '';
    alter table entitled_resources
      drop constraint entitled_resources_pkey,
      drop column scope_key,
      add primary key (account_id, feature_key, resource_id);
    alter table plan_entitlements
      drop constraint plan_entitlements_buffer_on_limits,
      drop constraint plan_entitlements_scope_parent,
      drop column overage_buffer_percent,
      drop column scope_resource_type,
      drop column scope;
  `);
}
