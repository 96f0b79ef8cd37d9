import type { Knex } from 'knex';

/**
 * Consumptions of credits by meter: what was asked (a quantity of a meter), how many of those units
 * the plan's allowance covered, what was charged and the balance after it. A consumption by amount is
 * recorded by its ledger entry alone; one by meter needs this row too, because a retry must answer
 * with how much the allowance covered, and one the allowance covered entirely charged nothing and so
 * has no ledger entry. Written in the transaction of the consumption; append-only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table metered_credit_consumptions (
      account_id uuid not null references accounts,
      idempotency_key text not null check (length(idempotency_key) between 1 and 200),
      meter_id uuid not null references meters,
      quantity bigint not null check (quantity > 0),
      included_quantity bigint not null check (included_quantity between 0 and quantity),
      amount bigint not null check (amount >= 0),
      balance_after bigint not null check (balance_after >= 0),
      ledger_entry_id bigint unique references credit_ledger_entries,
      created_at timestamptz not null default now(),
      primary key (account_id, idempotency_key),
      check ((amount = 0) = (ledger_entry_id is null))
    );
    create trigger metered_credit_consumptions_append_only before update or delete on metered_credit_consumptions
      for each row execute function forbid_changes();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table metered_credit_consumptions;`);
}
