import type { Knex } from 'knex';

/**
 * One row per subscription, meter and billing period whose overage was billed: claimed before Stripe is
 * asked to add the invoice item (whose idempotency key names the same three), so a period's overage is
 * billed once however often the billing runs.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table usage_overage_charges (
      subscription_id uuid not null references subscriptions on delete cascade,
      meter_id uuid not null references meters,
      account_id uuid not null references accounts on delete cascade,
      period_start timestamptz not null,
      period_end timestamptz not null,
      quantity bigint not null check (quantity > 0),
      amount bigint not null check (amount > 0),
      currency char(3) not null,
      stripe_invoice_item_id text,
      stripe_invoice_id text,
      created_at timestamptz not null default now(),
      primary key (subscription_id, meter_id, period_start)
    );
    create index usage_overage_charges_account on usage_overage_charges (account_id, period_start desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table usage_overage_charges;`);
}
