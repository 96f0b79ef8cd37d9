import type Stripe from 'stripe';
import { Account } from '../../accounts/Account';
import { stripe } from '../../stripe/client';
import { payPastDueWithNewCard } from '../../subscriptions/paymentRecovery';
import { lockAccountForStripeObject } from '../accountLock';
import { notOurs, type StripeEventHandler } from './types';

/**
 * customer.updated: a customer who changes their email in the billing portal changes our billing email
 * too; one who saves a new default card there while past due has the open invoice paid with it.
 */
export const handleCustomerUpdated: StripeEventHandler = async ({ trx, event }) => {
  const object = event.data.object as Stripe.Customer;
  const account = await lockAccountForStripeObject({ trx, customerId: object.id });
  if (!account) return notOurs(`Customer ${object.id}`);
  const customer = await stripe().customers.retrieve(object.id);
  if (!customer.deleted && customer.email && customer.email !== account.billingEmail) {
    await Account.query(trx).findById(account.id).patch({ billingEmail: customer.email });
  }
  await payPastDueWithNewCard({ trx, account });
  return { accountId: account.id };
};
