import type { Knex } from 'knex';

/**
 * Raw usage events are kept for audit and replays; every read goes to the rollups, which ingest keeps
 * current, so a dashboard costs the same with ten events as with ten million.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table usage_events (
      id bigint generated always as identity primary key,
      account_id uuid not null references accounts on delete cascade,
      meter_id uuid not null references meters,
      quantity bigint not null check (quantity >= 0),
      occurred_at timestamptz not null,
      idempotency_key text not null check (length(idempotency_key) between 1 and 200),
      properties jsonb not null default '{}',
      received_at timestamptz not null default now(),
      unique (account_id, idempotency_key)
    );
    create index usage_events_account_meter_time on usage_events (account_id, meter_id, occurred_at);

    create table usage_rollups (
      account_id uuid not null references accounts on delete cascade,
      meter_id uuid not null references meters,
      granularity text not null check (granularity in ('hour', 'day')),
      bucket_start timestamptz not null,
      event_count bigint not null default 0 check (event_count >= 0),
      sum_quantity bigint not null default 0 check (sum_quantity >= 0),
      max_quantity bigint,
      latest_quantity bigint,
      latest_occurred_at timestamptz,
      distinct_count bigint not null default 0 check (distinct_count >= 0),
      primary key (account_id, meter_id, granularity, bucket_start)
    );

    -- The distinct values behind unique_count rollups; one row per value per bucket.
    create table usage_rollup_distinct_values (
      account_id uuid not null references accounts on delete cascade,
      meter_id uuid not null references meters,
      granularity text not null check (granularity in ('hour', 'day')),
      bucket_start timestamptz not null,
      value text not null,
      primary key (account_id, meter_id, granularity, bucket_start, value)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table usage_rollup_distinct_values, usage_rollups, usage_events;`);
}
