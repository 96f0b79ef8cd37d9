import { Account } from '../accounts/Account';
import { Payment } from '../payments/Payment';

/** Our accounts by their Stripe customer id, for the customers given: what in Stripe is ours. */
export async function accountsOfStripeCustomers(
  stripeCustomerIds: Array<string | null>,
): Promise<Map<string, string>> {
  const ids = [...new Set(stripeCustomerIds.filter((id): id is string => Boolean(id)))];
  if (ids.length === 0) return new Map();
  const accounts = await Account.query().whereIn('stripeCustomerId', ids).select('id', 'stripeCustomerId');
  return new Map(accounts.map((account) => [account.stripeCustomerId!, account.id]));
}

/** Our accounts by the PaymentIntents of their payments, for objects Stripe gives without a customer. */
export async function accountsOfPaymentIntents(
  stripePaymentIntentIds: Array<string | null>,
): Promise<Map<string, string>> {
  const ids = [...new Set(stripePaymentIntentIds.filter((id): id is string => Boolean(id)))];
  if (ids.length === 0) return new Map();
  const payments = await Payment.query()
    .whereIn('stripePaymentIntentId', ids)
    .whereNot('type', 'refund')
    .select('accountId', 'stripePaymentIntentId');
  return new Map(payments.map((payment) => [payment.stripePaymentIntentId!, payment.accountId]));
}
