import type Stripe from 'stripe';
import { Account } from '../../accounts/Account';
import { recordAccountEvent } from '../../partnerWebhooks/events';
import { fetchStripeCustomer } from '../../stripe/customers';
import { payPastDueWithNewCard } from '../../subscriptions/paymentRecovery';
import { lockOwnerOfStripeObject } from '../accountLock';
import { ignored, type StripeEventHandler } from './types';

/**
 * customer.updated: a customer who changes their email in the billing portal changes our billing email
 * too; one who saves a new default card there while past due has the open invoice paid with it.
 */
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
    const updated = await Account.query(trx).patchAndFetchById(account.id, { billingEmail: customer.email });
    await recordAccountEvent({ trx, account: updated, type: 'account.updated' });
  }
  await payPastDueWithNewCard({ trx, account });
  return { accountId: account.id };
};
