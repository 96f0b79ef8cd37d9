import type { Knex } from 'knex';

/**
 * Our record of each Checkout we open: what the customer is buying and who asked. It is written before
 * Stripe is called, so its id is the idempotency key of that call, and the web app can wait on it until
 * the webhook that completes it has landed. It also counts checkout creations for rate limiting.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table checkout_sessions (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references accounts on delete cascade,
      purpose text not null check (purpose in ('subscription', 'credit_top_up')),
      plan_id uuid references plans,
      quantity integer not null default 1 check (quantity > 0),
      credit_package_id uuid references credit_packages,
      status text not null default 'open' check (status in ('open', 'completed', 'expired')),
      stripe_checkout_session_id text unique,
      url text,
      created_by_user_id uuid references users on delete set null,
      completed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((purpose = 'subscription') = (plan_id is not null)),
      check ((purpose = 'credit_top_up') = (credit_package_id is not null))
    );
    create index checkout_sessions_account on checkout_sessions (account_id, created_at desc);
    create index checkout_sessions_creator on checkout_sessions (created_by_user_id, created_at desc);
    create trigger checkout_sessions_updated_at before update on checkout_sessions for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table checkout_sessions;`);
}
