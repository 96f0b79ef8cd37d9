import type { Knex } from 'knex';

/**
 * The machinery around the money: the Stripe webhook log, the audit log, the notifications outbox,
 * saved results of idempotent mutations, and feature flags.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- One row per Stripe event id, written in the same transaction as the event's effect, so a duplicate
    -- delivery finds the row and does nothing.
    create table stripe_events (
      id text primary key,
      type text not null,
      api_version text,
      livemode boolean not null default false,
      account_id uuid references accounts on delete set null,
      payload jsonb not null,
      status text not null check (status in ('received', 'processed', 'failed', 'ignored')),
      attempts integer not null default 0 check (attempts >= 0),
      last_error text,
      stripe_created_at timestamptz not null,
      received_at timestamptz not null default now(),
      processed_at timestamptz,
      updated_at timestamptz not null default now()
    );
    create index stripe_events_status on stripe_events (status, received_at);
    create index stripe_events_type on stripe_events (type, received_at desc);
    create index stripe_events_account on stripe_events (account_id, received_at desc);
    create trigger stripe_events_updated_at before update on stripe_events for each row execute function set_updated_at();

    create table audit_log (
      id bigint generated always as identity primary key,
      account_id uuid references accounts,
      actor_type text not null check (actor_type in ('user', 'api_key', 'system', 'stripe')),
      actor_id text,
      action text not null,
      target_type text,
      target_id text,
      reason text,
      details jsonb not null default '{}',
      created_at timestamptz not null default now()
    );
    create index audit_log_account on audit_log (account_id, id desc);
    create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function forbid_changes();

    -- The notifications outbox: written in the transaction that causes the notice, sent by a job.
    create table notifications (
      id uuid primary key default gen_random_uuid(),
      account_id uuid references accounts on delete cascade,
      user_id uuid references users on delete cascade,
      kind text not null,
      channel text not null default 'email' check (channel in ('email')),
      recipient text not null,
      subject text not null,
      body_text text not null,
      status text not null default 'pending' check (status in ('pending', 'sent', 'failed', 'skipped')),
      attempts integer not null default 0,
      last_error text,
      dedupe_key text unique,
      send_after timestamptz not null default now(),
      sent_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index notifications_pending on notifications (send_after) where status = 'pending';
    create index notifications_account on notifications (account_id, created_at desc);
    create trigger notifications_updated_at before update on notifications for each row execute function set_updated_at();

    -- A mutation retried with the same idempotency key returns the first result instead of acting twice.
    create table idempotent_requests (
      id uuid primary key default gen_random_uuid(),
      principal text not null,
      idempotency_key text not null check (length(idempotency_key) between 1 and 200),
      operation text not null,
      request_hash text not null,
      status text not null check (status in ('in_progress', 'completed')),
      response jsonb,
      created_at timestamptz not null default now(),
      completed_at timestamptz,
      unique (principal, idempotency_key)
    );
    create index idempotent_requests_created on idempotent_requests (created_at);

    create table feature_flags (
      key text primary key check (key ~ '^[a-z0-9][a-z0-9_.-]*$'),
      enabled boolean not null,
      description text,
      updated_by_user_id uuid references users on delete set null,
      updated_at timestamptz not null default now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table feature_flags, idempotent_requests, notifications, audit_log, stripe_events;`);
}
