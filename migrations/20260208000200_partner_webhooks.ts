import type { Knex } from 'knex';

/**
 * Outbound webhooks to partners (server/partnerWebhooks/, docs/partner-webhooks.md).
 *
 * - `partner_events` is the outbox: one row per change a partner may hear of, written in the transaction
 *   of the change, numbered per account (`partner_event_sequences`, whose row is the lock that orders
 *   them), once per cause (`dedupe_key`).
 * - `webhook_endpoints` are where partners want them: platform-wide or bound to one account, with the
 *   signing secret (and, for a day after a rotation, the previous one).
 * - `webhook_deliveries` is one event to one endpoint, sent until it succeeds or its retries run out;
 *   `webhook_delivery_attempts` keeps what each try got back.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table partner_event_sequences (
      account_id uuid primary key references accounts (id) on delete cascade,
      last_sequence bigint not null default 0
    );

    create table partner_events (
      id uuid primary key default gen_random_uuid(),
      account_id uuid references accounts (id) on delete cascade,
      account_external_id text,
      sequence bigint,
      type text not null,
      payload jsonb not null,
      dedupe_key text unique,
      fanned_out_at timestamptz,
      created_at timestamptz not null default now(),
      unique (account_id, sequence),
      check ((account_id is null) = (sequence is null))
    );
    create index partner_events_to_fan_out on partner_events (created_at) where fanned_out_at is null;
    create index partner_events_by_account on partner_events (account_id, sequence);

    create table webhook_endpoints (
      id uuid primary key default gen_random_uuid(),
      account_id uuid references accounts (id) on delete cascade,
      url text not null check (length(url) <= 2048),
      description text not null default '' check (length(description) <= 500),
      event_types text[] not null default '{}',
      enabled boolean not null default true,
      disabled_reason text,
      secret text not null,
      previous_secret text,
      previous_secret_expires_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index webhook_endpoints_by_account on webhook_endpoints (account_id);
    create trigger webhook_endpoints_updated_at before update on webhook_endpoints
      for each row execute function set_updated_at();

    create table webhook_deliveries (
      id uuid primary key default gen_random_uuid(),
      endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
      event_id uuid not null references partner_events (id) on delete cascade,
      account_id uuid references accounts (id) on delete cascade,
      sequence bigint,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
      attempt_count integer not null default 0,
      next_attempt_at timestamptz not null,
      last_attempt_at timestamptz,
      succeeded_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (endpoint_id, event_id)
    );
    create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
    create index webhook_deliveries_in_order on webhook_deliveries (endpoint_id, account_id, sequence)
      where status = 'pending';
    create index webhook_deliveries_log on webhook_deliveries (endpoint_id, created_at desc, id desc);
    create trigger webhook_deliveries_updated_at before update on webhook_deliveries
      for each row execute function set_updated_at();

    create table webhook_delivery_attempts (
      id uuid primary key default gen_random_uuid(),
      delivery_id uuid not null references webhook_deliveries (id) on delete cascade,
      attempted_at timestamptz not null,
      status_code integer,
      latency_ms integer not null,
      response_excerpt text,
      error text
    );
    create index webhook_delivery_attempts_by_delivery on webhook_delivery_attempts (delivery_id, attempted_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table webhook_delivery_attempts;
    drop table webhook_deliveries;
    drop table webhook_endpoints;
    drop table partner_events;
    drop table partner_event_sequences;
  `);
}
