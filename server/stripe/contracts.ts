import { stripe } from './client';
import { everyItem } from './lists';
import { toSubscriptionState, type StripeSubscriptionState } from './subscriptions';
import { toUnix } from './timestamps';

/** What Stripe needs to bill a custom contract (server/contracts/). */
export interface ContractTerms {
  contractId: string;
  accountId: string;
  planId: string;
  planName: string;
  /** The plan version's product, when the catalog sync made one (contact-sales plans have none). */
  stripeProductId: string | null;
  unitAmount: number;
  currency: string;
  interval: 'month' | 'year';
  collectionMethod: 'charge_automatically' | 'send_invoice';
  daysUntilDue: number | null;
  /** Days before the first charge or invoice; 0 for none. */
  trialDays: number;
  endsAt: Date | null;
}

/**
 * The price made for one contract alone: never shared and never looked up by a lookup key, so no other
 * customer can be sold it. The key is the contract's id, so a retried call makes one price.
 */
export async function createContractPrice(terms: ContractTerms): Promise<string> {
  const metadata = { contract_id: terms.contractId, plan_id: terms.planId };
  const price = await stripe().prices.create(
    {
      ...(terms.stripeProductId
        ? { product: terms.stripeProductId }
        : { product_data: { name: terms.planName, metadata } }),
      unit_amount: terms.unitAmount,
      currency: terms.currency,
      recurring: { interval: terms.interval },
      metadata,
    },
    { idempotencyKey: `contract-${terms.contractId}-price` },
  );
  return price.id;
}

/**
 * The contract's subscription: found first among the customer's subscriptions by the contract named in
 * its metadata (Stripe forgets idempotency keys after a day), created otherwise. An invoiced contract is
 * never charged automatically: its invoices are sent, due `daysUntilDue` days after they are issued. One
 * with an end date and no renewal is canceled by Stripe at that date. One charged at once is made only
 * if that first charge succeeds (`error_if_incomplete`): a declined card leaves no subscription behind.
 */
export async function ensureContractSubscription({
  terms,
  stripeCustomerId,
  stripePriceId,
}: {
  terms: ContractTerms;
  stripeCustomerId: string;
  stripePriceId: string;
}): Promise<StripeSubscriptionState> {
  const existing = (
    await everyItem(stripe().subscriptions.list({ customer: stripeCustomerId, status: 'all', limit: 100 }))
  ).find((subscription) => subscription.metadata?.contract_id === terms.contractId);
  if (existing) return toSubscriptionState(existing);
  const created = await stripe().subscriptions.create(
    {
      customer: stripeCustomerId,
      items: [{ price: stripePriceId, quantity: 1 }],
      collection_method: terms.collectionMethod,
      ...(terms.daysUntilDue !== null && { days_until_due: terms.daysUntilDue }),
      ...(terms.trialDays > 0 && { trial_period_days: terms.trialDays }),
      ...(terms.collectionMethod === 'charge_automatically' &&
        terms.trialDays === 0 && { payment_behavior: 'error_if_incomplete' as const }),
      ...(terms.endsAt && { cancel_at: toUnix(terms.endsAt) }),
      metadata: { account_id: terms.accountId, contract_id: terms.contractId },
    },
    { idempotencyKey: `contract-${terms.contractId}-subscription` },
  );
  return toSubscriptionState(created);
}

/** Whether the customer has a card Stripe charges by default (a contract billed by card needs one). */
export async function hasDefaultCard(stripeCustomerId: string): Promise<boolean> {
  const customer = await stripe().customers.retrieve(stripeCustomerId);
  return !customer.deleted && Boolean(customer.invoice_settings?.default_payment_method);
}

/**
 * Sets the day Stripe cancels a contract's subscription, or clears it so that it renews. Setting the same
 * value again changes nothing, so a retried call needs no key.
 */
export async function setContractSubscriptionEnd({
  stripeSubscriptionId,
  endsAt,
}: {
  stripeSubscriptionId: string;
  endsAt: Date | null;
}): Promise<StripeSubscriptionState> {
  return toSubscriptionState(
    await stripe().subscriptions.update(stripeSubscriptionId, { cancel_at: endsAt ? toUnix(endsAt) : '' }),
  );
}
