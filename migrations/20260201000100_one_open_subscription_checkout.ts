import type { Knex } from 'knex';

/**
 * An account has at most one subscription Checkout open: a new one closes the earlier ones in Stripe
 * before it is recorded (server/checkout/subscriptionCheckout.ts), and this index makes a second open one
 * impossible. Earlier duplicates are marked expired, all but the newest of each account; one of them paid
 * anyway is settled as an extra subscription when its webhooks arrive.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    update checkout_sessions earlier set status = 'expired'
    where purpose = 'subscription' and status = 'open'
      and exists (
        select 1 from checkout_sessions later
        where later.account_id = earlier.account_id and later.purpose = 'subscription' and later.status = 'open'
          and (later.created_at, later.id) > (earlier.created_at, earlier.id)
      );
    create unique index checkout_sessions_one_open_subscription on checkout_sessions (account_id)
      where purpose = 'subscription' and status = 'open';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index checkout_sessions_one_open_subscription;`);
}
