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

/** Account named by a Stripe object: by its customer id, else by the account id we put in its metadata. */
export async function findAccountForStripeObject({
  trx,
  customerId,
  metadataAccountId,
}: {
  trx?: Knex.Transaction;
  customerId: string | null | undefined;
  metadataAccountId?: string | null;
}): Promise<Account | undefined> {
  if (customerId) {
    const byCustomer = await Account.query(trx).findOne({ stripeCustomerId: customerId });
    if (byCustomer) return byCustomer;
  }
  if (metadataAccountId && /^[0-9a-f-]{36}$/i.test(metadataAccountId))
    return Account.query(trx).findById(metadataAccountId);
  return undefined;
}
