import type { Knex } from 'knex';

/**
 * An account has exactly one current subscription (new accounts start on the default plan). Ended
 * subscriptions stay as history. A subscription points at one plan version, which is how a subscriber
 * keeps the price they bought until they are moved deliberately.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table subscriptions (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references accounts on delete cascade,
      plan_id uuid not null references plans,
      status text not null check (status in ('trialing', 'active', 'past_due', 'canceled', 'expired', 'incomplete', 'paused')),
      quantity integer not null default 1 check (quantity > 0),
      current_period_start timestamptz not null,
      current_period_end timestamptz,
      trial_start timestamptz,
      trial_end timestamptz,
      cancel_at_period_end boolean not null default false,
      canceled_at timestamptz,
      ended_at timestamptz,
      cancellation_reason text,
      scheduled_plan_id uuid references plans,
      scheduled_quantity integer check (scheduled_quantity > 0),
      scheduled_change_at timestamptz,
      grace_period_ends_at timestamptz,
      paused_at timestamptz,
      stripe_subscription_id text unique,
      stripe_synced_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (current_period_end is null or current_period_end > current_period_start),
      check (trial_end is null or trial_start is not null),
      check ((status in ('canceled', 'expired')) = (ended_at is not null)),
      check ((scheduled_plan_id is null and scheduled_quantity is null) = (scheduled_change_at is null))
    );
    create unique index subscriptions_one_current_per_account on subscriptions (account_id)
      where status in ('trialing', 'active', 'past_due', 'incomplete', 'paused');
    create index subscriptions_account on subscriptions (account_id, created_at desc);
    create index subscriptions_plan on subscriptions (plan_id);
    create index subscriptions_period_end on subscriptions (current_period_end) where status in ('trialing', 'active', 'past_due');
    create index subscriptions_trial_end on subscriptions (trial_end) where status = 'trialing';
    create index subscriptions_grace on subscriptions (grace_period_ends_at) where grace_period_ends_at is not null;
    create index subscriptions_scheduled on subscriptions (scheduled_change_at) where scheduled_change_at is not null;
    create trigger subscriptions_updated_at before update on subscriptions for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table subscriptions;`);
}
