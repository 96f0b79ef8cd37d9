import type { Knex } from 'knex';

/**
 * The documented limits as constraints (server/credits/creditLimits.ts, server/usage/usageEventInput.ts):
 * one usage event carries at most a billion units, one grant at most a billion credits, and a balance
 * at most a trillion credits, so every sum the service reads stays exact. NOT VALID: rows written
 * before the limits existed stay readable (reads saturate), only new ones are held to them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table usage_events add constraint usage_events_quantity_limit check (quantity <= 1000000000) not valid;
    alter table credit_grants add constraint credit_grants_amount_limit check (amount <= 1000000000000) not valid;
    alter table credit_balances add constraint credit_balances_balance_limit check (balance <= 1000000000000000) not valid;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table usage_events drop constraint usage_events_quantity_limit;
    alter table credit_grants drop constraint credit_grants_amount_limit;
    alter table credit_balances drop constraint credit_balances_balance_limit;
  `);
}
