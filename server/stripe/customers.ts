import type { Knex } from 'knex';
import type Stripe from 'stripe';
import { Account } from '../accounts/Account';
import { stripe } from './client';

/**
 * Creates the account's Stripe customer, on the account's test clock when it has one (Stripe puts a
 * customer on a clock only when creating it). Every creation of an account's customer asks Stripe the
 * same under one idempotency key, the account id, so two at once make one customer. The first to store
 * its id wins (see `ensureStripeCustomer`).
 */
export function createStripeCustomer(
  account: Pick<Account, 'id' | 'name' | 'billingEmail' | 'externalId'>,
  testClockId: string | null,
): Promise<Stripe.Customer> {
  return stripe().customers.create(
    {
      name: account.name,
      ...(account.billingEmail && { email: account.billingEmail }),
      metadata: { account_id: account.id, ...(account.externalId && { external_id: account.externalId }) },
      ...(testClockId && { test_clock: testClockId }),
    },
    { idempotencyKey: `account-${account.id}-customer` },
  );
}

/**
 * The account's Stripe customer, created on first need. Two concurrent first checkouts create one
 * customer (one idempotency key), and only the first writer stores it.
 */
export async function ensureStripeCustomer({
  trx,
  account,
}: {
  trx?: Knex.Transaction;
  account: Account;
}): Promise<string> {
  if (account.stripeCustomerId) return account.stripeCustomerId;
  const customer = await createStripeCustomer(account, account.stripeTestClockId);
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
