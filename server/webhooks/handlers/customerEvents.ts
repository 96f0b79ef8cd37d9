import type Stripe from 'stripe';
import { Account } from '../../accounts/Account';
import { fetchStripeCustomer } from '../../stripe/customers';
import { lockOwnerOfStripeObject } from '../accountLock';
import { ignored, type StripeEventHandler } from './types';

/** customer.updated: a customer who changes their email in the billing portal changes our billing email too. */
export const handleCustomerUpdated: StripeEventHandler = async ({ trx, event }) => {
  const object = event.data.object as Stripe.Customer;
  const owned = await lockOwnerOfStripeObject({
    trx,
    what: `Customer ${object.id}`,
    claimedCustomerId: object.id,
    fetch: () => fetchStripeCustomer(object.id),
  });
  if ('ignored' in owned) return ignored(owned.ignored);
  const { account, state: customer } = owned;
  if (!customer.deleted && customer.email && customer.email !== account.billingEmail) {
    await Account.query(trx).findById(account.id).patch({ billingEmail: customer.email });
  }
  return { accountId: account.id };
};
