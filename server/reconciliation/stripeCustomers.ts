import { Account } from '../accounts/Account';

/** Our accounts by their Stripe customer id, for the customers given: what in Stripe is ours. */
export async function accountsOfStripeCustomers(
  stripeCustomerIds: Array<string | null>,
): Promise<Map<string, string>> {
  const ids = [...new Set(stripeCustomerIds.filter((id): id is string => Boolean(id)))];
  if (ids.length === 0) return new Map();
  const accounts = await Account.query().whereIn('stripeCustomerId', ids).select('id', 'stripeCustomerId');
  return new Map(accounts.map((account) => [account.stripeCustomerId!, account.id]));
}
