import type { Knex } from 'knex';

/**
 * Custom contracts (docs/decisions/039-custom-contracts.md): a platform admin puts one account on a plan
 * version at its own price, billed by card or by invoice with payment terms, until an end date or
 * renewing, optionally after a trial. The account's Stripe subscription bills a price made for the contract alone; subscriptions
 * started by a contract point at it, so entitlements can apply its overrides without another lookup.
 * One open (pending or active) contract per account.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table contracts (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references accounts (id) on delete cascade,
      plan_id uuid not null references plans (id),
      unit_amount bigint not null check (unit_amount >= 0 and unit_amount <= 100000000000),
      currency text not null check (currency ~ '^[a-z]{3}$'),
      billing_interval text not null check (billing_interval in ('month', 'year')),
      entitlement_overrides jsonb not null default '[]',
      collection_method text not null check (collection_method in ('charge_automatically', 'send_invoice')),
      days_until_due integer,
      trial_days integer not null default 0 check (trial_days between 0 and 730),
      starts_at timestamptz not null,
      ends_at timestamptz,
      auto_renew boolean not null,
      status text not null check (status in ('pending', 'active', 'ended')),
      stripe_price_id text unique,
      stripe_subscription_id text unique,
      created_by_user_id uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((collection_method = 'send_invoice') = (days_until_due is not null)),
      check (days_until_due is null or days_until_due between 1 and 365),
      check ((ends_at is null) = auto_renew),
      check (ends_at is null or ends_at > starts_at)
    );
    create unique index contracts_one_open_per_account on contracts (account_id)
      where status in ('pending', 'active');
    create trigger contracts_updated_at before update on contracts
      for each row execute function set_updated_at();

    alter table subscriptions add column contract_id uuid references contracts (id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table subscriptions drop column contract_id;
    drop table contracts;
  `);
}
