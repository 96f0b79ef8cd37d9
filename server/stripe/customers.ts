import type { Knex } from 'knex';
import type Stripe from 'stripe';
import { Account } from '../accounts/Account';
import { stripe } from './client';

/**
 * Creates the account's Stripe customer, on the account's test clock when it has one (Stripe puts a
 * customer on a clock only when creating it). The idempotency key is the account's, and the clock's when
 * there is one: two checkouts at once make one customer, and a customer made on a clock (putting the
 * account on it) is never mistaken for one made in real time. Whichever is stored first is the
 * account's; a customer that lost that race stays unused in Stripe.
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
    {
      idempotencyKey: testClockId
        ? `account-${account.id}-customer-on-${testClockId}`
        : `account-${account.id}-customer`,
    },
  );
}

/**
 * The account's Stripe customer, created on first need. Two concurrent first checkouts create one
 * customer (one idempotency key). Only the first writer stores it, and every caller goes on with the
 * stored one.
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
