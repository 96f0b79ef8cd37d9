import type { Knex } from 'knex';

/**
 * Prepaid credits, in integer milli-credits.
 * - credit_grants: each grant (plan allowance, purchase, promotion, adjustment, refund) and what is left of it;
 * - credit_ledger_entries: append-only, one entry per change with the balance after it; an idempotency
 *   key makes a retried operation a no-op;
 * - credit_allocations: which grants an entry drew from or wrote off (a consumption may span several);
 * - credit_balances: the cached balance, which can never go below zero and always equals the ledger's sum.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table credit_grants (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references accounts on delete cascade,
      source text not null check (source in ('plan_allowance', 'purchase', 'promotion', 'manual_adjustment', 'refund')),
      amount bigint not null check (amount > 0),
      remaining bigint not null check (remaining >= 0 and remaining <= amount),
      priority integer not null default 0,
      expires_at timestamptz,
      payment_id uuid unique references payments,
      subscription_id uuid references subscriptions on delete set null,
      description text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    -- Consumption order: priority, then earliest expiry, then oldest.
    create index credit_grants_spendable on credit_grants (account_id, priority, expires_at nulls last, created_at)
      where remaining > 0;
    create index credit_grants_expiring on credit_grants (expires_at) where remaining > 0 and expires_at is not null;
    create trigger credit_grants_updated_at before update on credit_grants for each row execute function set_updated_at();

    create table credit_ledger_entries (
      id bigint generated always as identity primary key,
      account_id uuid not null references accounts,
      entry_type text not null check (entry_type in ('grant', 'consumption', 'expiry', 'adjustment', 'refund_clawback')),
      amount bigint not null check (amount <> 0),
      balance_after bigint not null check (balance_after >= 0),
      grant_id uuid references credit_grants,
      reference_type text,
      reference_id text,
      idempotency_key text check (length(idempotency_key) between 1 and 200),
      description text,
      actor_type text,
      actor_id text,
      created_at timestamptz not null default now(),
      unique (account_id, idempotency_key)
    );
    create index credit_ledger_entries_account on credit_ledger_entries (account_id, id desc);
    create trigger credit_ledger_entries_append_only before update or delete on credit_ledger_entries
      for each row execute function forbid_changes();

    create table credit_allocations (
      ledger_entry_id bigint not null references credit_ledger_entries,
      grant_id uuid not null references credit_grants,
      account_id uuid not null references accounts,
      amount bigint not null check (amount <> 0),
      primary key (ledger_entry_id, grant_id)
    );
    create index credit_allocations_grant on credit_allocations (grant_id);
    create trigger credit_allocations_append_only before update or delete on credit_allocations
      for each row execute function forbid_changes();

    create table credit_balances (
      account_id uuid primary key references accounts on delete cascade,
      balance bigint not null default 0 check (balance >= 0),
      last_ledger_entry_id bigint references credit_ledger_entries,
      low_balance_notified_at timestamptz,
      updated_at timestamptz not null default now()
    );
    create trigger credit_balances_updated_at before update on credit_balances for each row execute function set_updated_at();

    create table auto_top_up_settings (
      account_id uuid primary key references accounts on delete cascade,
      enabled boolean not null default false,
      threshold bigint not null check (threshold >= 0),
      credit_package_id uuid not null references credit_packages,
      -- Single flight: the payment currently buying credits for this account, if any.
      in_flight_payment_id uuid references payments,
      consecutive_failures integer not null default 0 check (consecutive_failures >= 0),
      disabled_reason text,
      last_attempt_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create trigger auto_top_up_settings_updated_at before update on auto_top_up_settings for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    `drop table auto_top_up_settings, credit_balances, credit_allocations, credit_ledger_entries, credit_grants;`,
  );
}
