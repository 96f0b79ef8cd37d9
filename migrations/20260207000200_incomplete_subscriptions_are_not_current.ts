import type { Knex } from 'knex';

/**
 * A subscription whose first payment is not complete yet (`incomplete`: a 3-D Secure step, a payment
 * still settling, one created elsewhere for our customer) is recorded, but it is not the account's
 * current subscription: the account keeps what it has until the payment goes through, so the one
 * current subscription per account is counted among the other live statuses only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index subscriptions_one_current_per_account;
    create unique index subscriptions_one_current_per_account on subscriptions (account_id)
      where status in ('trialing', 'active', 'past_due', 'paused');
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index subscriptions_one_current_per_account;
    create unique index subscriptions_one_current_per_account on subscriptions (account_id)
      where status in ('trialing', 'active', 'past_due', 'incomplete', 'paused');
  `);
}
