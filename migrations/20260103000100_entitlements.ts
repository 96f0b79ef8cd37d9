import type { Knex } from 'knex';

/**
 * What entitlement checks need beyond the catalog:
 * - entitled_resources: the countable things an account holds (projects, agents, rooms, gateways, seats
 *   held by the partner's users...), one row each, keyed by the partner's own id, so a limit is a count;
 * - limit_warnings: when a soft-limit warning was last sent per account and feature, for the cooldown;
 * - a notification on every subscription change, so each server process drops its cached entitlements
 *   for that account at once;
 * - subscriptions.billing_cycle_anchor: where the periods of a subscription without a Stripe counterpart
 *   (the free plan, card-less trials) are counted from, as Stripe counts them;
 * - subscriptions.started_at: when the subscription began (its periods move on; this does not), for
 *   revenue history.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table entitled_resources (
      account_id uuid not null references accounts on delete cascade,
      feature_key text not null check (feature_key ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
      resource_id text not null check (length(resource_id) between 1 and 200),
      created_at timestamptz not null default now(),
      primary key (account_id, feature_key, resource_id)
    );

    create table limit_warnings (
      account_id uuid not null references accounts on delete cascade,
      feature_key text not null,
      last_warned_at timestamptz not null,
      primary key (account_id, feature_key)
    );

    create function notify_subscription_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('subscription_changed', coalesce(new.account_id, old.account_id)::text);
      return null;
    end $$;
    create trigger subscriptions_notify_changed after insert or update or delete on subscriptions
      for each row execute function notify_subscription_changed();

    alter table subscriptions add column billing_cycle_anchor timestamptz;
    update subscriptions set billing_cycle_anchor = current_period_start;
    alter table subscriptions add column started_at timestamptz;
    update subscriptions set started_at = coalesce(trial_start, created_at);
    alter table subscriptions alter column started_at set not null, alter column started_at set default now();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table subscriptions drop column started_at, drop column billing_cycle_anchor;
    drop trigger subscriptions_notify_changed on subscriptions;
    drop function notify_subscription_changed();
    drop table limit_warnings, entitled_resources;
  `);
}
