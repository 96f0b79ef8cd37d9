import type { Knex } from 'knex';
import { Account } from '../accounts/Account';
import { findAccountForStripeObject } from '../stripe/customers';

/**
 * Finds the account a Stripe object belongs to and locks its row for the rest of the transaction (NO KEY
 * UPDATE, like withAccountLock: exclusive among subscription changes, not blocking credit consumption).
 * Handlers take this lock before fetching the object's current state from Stripe, so two deliveries
 * about one account apply Stripe's states in the order Stripe produced them.
 */
export async function lockAccountForStripeObject({
  trx,
  customerId,
  metadataAccountId,
}: {
  trx: Knex.Transaction;
  customerId: string | null | undefined;
  metadataAccountId?: string | null;
}): Promise<Account | undefined> {
  const account = await findAccountForStripeObject({ trx, customerId, metadataAccountId });
  if (!account) return undefined;
  return Account.query(trx).findById(account.id).forNoKeyUpdate();
}
