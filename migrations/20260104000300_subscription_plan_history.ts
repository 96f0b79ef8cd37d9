import type { Knex } from 'knex';

/**
 * Which plan and how many seats each subscription had, and from when: revenue history must count a
 * subscription at the plan it had on each day, not at the one it has now. A trigger keeps it, so every
 * path that moves a subscription (plan changes, seat changes, Stripe's webhooks, admin tools) is
 * recorded without having to remember to. A subscription's first row starts when it started; a change
 * starts when its transaction commits (the database's clock: the application's injectable clock is for
 * tests, and production runs both on the same time).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table subscription_plan_history (
      id bigint generated always as identity primary key,
      subscription_id uuid not null references subscriptions on delete cascade,
      plan_id uuid not null references plans,
      quantity integer not null check (quantity > 0),
      effective_from timestamptz not null,
      effective_to timestamptz,
      check (effective_to is null or effective_to >= effective_from)
    );
    create index subscription_plan_history_subscription on subscription_plan_history (subscription_id, effective_from);
    create unique index subscription_plan_history_one_open on subscription_plan_history (subscription_id) where effective_to is null;

    create function record_subscription_plan() returns trigger language plpgsql as $$
    declare
      changed_at timestamptz;
    begin
      if tg_op = 'INSERT' then
        insert into subscription_plan_history (subscription_id, plan_id, quantity, effective_from)
        values (new.id, new.plan_id, new.quantity, coalesce(new.started_at, new.created_at));
      elsif new.plan_id is distinct from old.plan_id or new.quantity is distinct from old.quantity then
        select greatest(now(), effective_from) into changed_at
        from subscription_plan_history where subscription_id = new.id and effective_to is null;
        update subscription_plan_history set effective_to = changed_at where subscription_id = new.id and effective_to is null;
        insert into subscription_plan_history (subscription_id, plan_id, quantity, effective_from)
        values (new.id, new.plan_id, new.quantity, coalesce(changed_at, now()));
      end if;
      return null;
    end $$;
    create trigger subscriptions_record_plan after insert or update of plan_id, quantity on subscriptions
      for each row execute function record_subscription_plan();

    insert into subscription_plan_history (subscription_id, plan_id, quantity, effective_from)
    select id, plan_id, quantity, coalesce(started_at, created_at) from subscriptions;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger subscriptions_record_plan on subscriptions;
    drop function record_subscription_plan();
    drop table subscription_plan_history;
  `);
}
