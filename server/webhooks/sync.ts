import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { applyStripeInvoice } from '../invoices/stripeInvoiceSync';
import type { Invoice } from '../invoices/Invoice';
import { fetchStripeInvoice } from '../stripe/invoices';
import { fetchStripeSubscription } from '../stripe/subscriptions';
import { applyStripeSubscription } from '../subscriptions/stripeSubscriptionSync';

/**
 * Re-fetch, then apply: the event only says *that* something changed; what it looks like now comes
 * from Stripe, so duplicates, late and reordered deliveries all converge on Stripe's current state.
 */
export async function syncSubscription({ trx, account, stripeSubscriptionId }: { trx: Knex.Transaction; account: Account; stripeSubscriptionId: string }) {
  const state = await fetchStripeSubscription(stripeSubscriptionId);
  await applyStripeSubscription({ trx, account, state });
  return state;
}

export async function syncInvoice({ trx, account, stripeInvoiceId }: { trx: Knex.Transaction; account: Account; stripeInvoiceId: string }): Promise<{ invoice: Invoice; attemptCount: number; stripeSubscriptionId: string | null }> {
  const state = await fetchStripeInvoice(stripeInvoiceId);
  const invoice = await applyStripeInvoice({ trx, account, state });
  return { invoice, attemptCount: state.attemptCount, stripeSubscriptionId: state.stripeSubscriptionId };
}
