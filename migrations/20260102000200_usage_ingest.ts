import type { Knex } from 'knex';

/**
 * ingest_usage_events(...): stores usage events (skipping idempotency keys the account already holds)
 * and folds the ones stored into the hourly and daily rollups; returns how many were stored. Only the
 * mechanics live here; validation and authorization stay in server/usage/.
 *
 * Why a function: concurrent ingests meet on the same rollup rows (an account's meter for the day) and
 * wait for each other there until commit, so those rows must be locked as briefly as possible. In one
 * plain statement the events' foreign-key checks run at its very end, after the rollups are locked; in
 * two statements the rows stay locked while the client sends COMMIT. Here the rollups are written by
 * the function's last statement, after the events' checks have run, and the caller's commit follows
 * at once. Every insert takes its rows in key order, so two ingests cannot deadlock. `latest` keeps
 * the quantity of the latest event; at the same instant the larger quantity wins, so the result does
 * not depend on arrival order.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function ingest_usage_events(
      account_ids uuid[], meter_ids uuid[], quantities bigint[], occurred_ats timestamptz[], idempotency_keys text[], properties jsonb[]
    ) returns integer language plpgsql as $$
    declare
      inserted_count integer;
      deltas record;
    begin
      with input as (
        select * from unnest(account_ids, meter_ids, quantities, occurred_ats, idempotency_keys, properties)
          as e(account_id, meter_id, quantity, occurred_at, idempotency_key, properties)
      ), inserted as (
        insert into usage_events (account_id, meter_id, quantity, occurred_at, idempotency_key, properties)
        select e.account_id, e.meter_id, e.quantity, e.occurred_at, e.idempotency_key, e.properties from input e
        order by e.account_id, e.idempotency_key
        on conflict (account_id, idempotency_key) do nothing
        returning usage_events.account_id, usage_events.meter_id, usage_events.quantity, usage_events.occurred_at, usage_events.properties
      ), bucketed as (
        select i.*, g.granularity, date_trunc(g.granularity, i.occurred_at, 'UTC') as bucket_start
        from inserted i cross join (values ('hour'), ('day')) as g(granularity)
      ), new_distinct_values as (
        insert into usage_rollup_distinct_values (account_id, meter_id, granularity, bucket_start, value)
        select distinct b.account_id, b.meter_id, b.granularity, b.bucket_start, b.properties ->> m.field_name
        from bucketed b join meters m on m.id = b.meter_id and m.aggregation = 'unique_count'
        where b.properties ->> m.field_name is not null
        order by 1, 2, 3, 4, 5
        on conflict do nothing
        returning usage_rollup_distinct_values.account_id, usage_rollup_distinct_values.meter_id,
                  usage_rollup_distinct_values.granularity, usage_rollup_distinct_values.bucket_start
      ), distinct_added as (
        select n.account_id, n.meter_id, n.granularity, n.bucket_start, count(*) as added
        from new_distinct_values n group by 1, 2, 3, 4
      ), rollup_deltas as (
        select b.account_id, b.meter_id, b.granularity, b.bucket_start, count(*) as event_count, sum(b.quantity)::bigint as sum_quantity,
               max(b.quantity) as max_quantity, (array_agg(b.quantity order by b.occurred_at desc, b.quantity desc))[1] as latest_quantity,
               max(b.occurred_at) as latest_occurred_at, coalesce(max(d.added), 0) as distinct_added
        from bucketed b left join distinct_added d using (account_id, meter_id, granularity, bucket_start)
        group by b.account_id, b.meter_id, b.granularity, b.bucket_start
      )
      select (select count(*) from inserted)::integer as inserted_count,
             array_agg(r.account_id) as account_ids, array_agg(r.meter_id) as meter_ids, array_agg(r.granularity) as granularities,
             array_agg(r.bucket_start) as bucket_starts, array_agg(r.event_count) as event_counts, array_agg(r.sum_quantity) as sums,
             array_agg(r.max_quantity) as maxima, array_agg(r.latest_quantity) as latest_quantities,
             array_agg(r.latest_occurred_at) as latest_occurred_ats, array_agg(r.distinct_added) as distinct_added
      into deltas
      from rollup_deltas r;

      inserted_count := coalesce(deltas.inserted_count, 0);
      if inserted_count = 0 then
        return 0;
      end if;

      insert into usage_rollups as r (account_id, meter_id, granularity, bucket_start, event_count, sum_quantity, max_quantity,
                                      latest_quantity, latest_occurred_at, distinct_count)
      select * from unnest(deltas.account_ids, deltas.meter_ids, deltas.granularities, deltas.bucket_starts, deltas.event_counts,
                           deltas.sums, deltas.maxima, deltas.latest_quantities, deltas.latest_occurred_ats, deltas.distinct_added)
      order by 1, 2, 3, 4
      on conflict (account_id, meter_id, granularity, bucket_start) do update set
        event_count = r.event_count + excluded.event_count,
        sum_quantity = r.sum_quantity + excluded.sum_quantity,
        max_quantity = greatest(r.max_quantity, excluded.max_quantity),
        latest_quantity = case
          when r.latest_occurred_at is null or (excluded.latest_occurred_at, excluded.latest_quantity) > (r.latest_occurred_at, r.latest_quantity)
          then excluded.latest_quantity else r.latest_quantity end,
        latest_occurred_at = greatest(r.latest_occurred_at, excluded.latest_occurred_at),
        distinct_count = r.distinct_count + excluded.distinct_count;
      return inserted_count;
    end $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `drop function ingest_usage_events(uuid[], uuid[], bigint[], timestamptz[], text[], jsonb[]);`,
  );
}
