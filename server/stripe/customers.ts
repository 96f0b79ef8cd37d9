import type { Knex } from 'knex';
import { Account } from '../accounts/Account';
import { stripe } from './client';

/**
 * The account's Stripe customer, created on first need. The idempotency key is the account id, so two
 * concurrent first checkouts create one customer, and only the first writer stores it.
 */
export async function ensureStripeCustomer({
  trx,
  account,
}: {
  trx?: Knex.Transaction;
  account: Account;
}): Promise<string> {
  if (account.stripeCustomerId) return account.stripeCustomerId;
  const customer = await stripe().customers.create(
    {
      name: account.name,
      ...(account.billingEmail && { email: account.billingEmail }),
      metadata: { account_id: account.id, ...(account.externalId && { external_id: account.externalId }) },
      // An account on a test clock (server/testClocks/) has its customer on the clock from the start.
      ...(account.stripeTestClockId && { test_clock: account.stripeTestClockId }),
    },
    { idempotencyKey: `account-${account.id}-customer` },
  );
  await Account.query(trx)
    .findById(account.id)
    .whereNull('stripeCustomerId')
    .patch({ stripeCustomerId: customer.id });
  const stored = await Account.query(trx).findById(account.id);
  account.stripeCustomerId = stored?.stripeCustomerId ?? customer.id;
  return account.stripeCustomerId;
}

/**
 * The account a Stripe customer belongs to: the one that stores its id. Webhooks find the account this
 * way from the customer of the object as Stripe has it, never from what an event's payload claims.
 */
export async function findAccountOfStripeCustomer({
  trx,
  stripeCustomerId,
}: {
  trx?: Knex.Transaction;
  stripeCustomerId: string | null | undefined;
}): Promise<Account | undefined> {
  if (!stripeCustomerId) return undefined;
  return Account.query(trx).findOne({ stripeCustomerId });
}

/** A customer as Stripe has it now: its email (null when it has none), or that it was deleted. */
export async function fetchStripeCustomer(
  stripeCustomerId: string,
): Promise<{ stripeCustomerId: string; email: string | null; deleted: boolean }> {
  const customer = await stripe().customers.retrieve(stripeCustomerId);
  return customer.deleted
    ? { stripeCustomerId: customer.id, email: null, deleted: true }
    : { stripeCustomerId: customer.id, email: customer.email, deleted: false };
}
