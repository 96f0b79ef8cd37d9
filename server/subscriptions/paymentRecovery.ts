import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { systemActor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import {
  fetchDefaultCard,
  listOpenStripeInvoices,
  payStripeInvoiceWithCard,
  useCardForSubscription,
} from '../stripe/invoiceRetry';
import { findCurrentSubscription } from './currentSubscription';
import { syncSubscriptionFromStripe } from './stripeSubscriptionSync';

const actor = systemActor('payment recovery');

/**
 * A past-due customer who saves a new card (in Stripe's billing portal) expects it to pay what they owe,
 * but Stripe does not retry an open invoice when the default card changes; it waits for its next
 * scheduled attempt, with the old card. So when the customer's default card changes, the past-due
 * subscription's renewals move to it and its open invoices are paid with it at once, oldest first. An
 * invoice whose last attempt already used that card is not charged again (a card that failed stays
 * failed until the customer changes it). The caller holds the account's row lock.
 */
export async function payPastDueWithNewCard({
  trx,
  account,
}: {
  trx: Knex.Transaction;
  account: Account;
}): Promise<void> {
  const subscription = await findCurrentSubscription({ trx, accountId: account.id });
  const stripeSubscriptionId = subscription?.stripeSubscriptionId;
  if (!subscription || !stripeSubscriptionId || subscription.status !== 'past_due') return;
  if (!account.stripeCustomerId) return;
  const card = await fetchDefaultCard(account.stripeCustomerId);
  if (!card) return;

  await useCardForSubscription({ stripeSubscriptionId, paymentMethodId: card });
  const attempts: Array<{ stripeInvoiceId: string; paid: boolean; declineMessage: string | null }> = [];
  for (const invoice of await listOpenStripeInvoices(stripeSubscriptionId)) {
    if (invoice.lastAttemptCard === card) continue;
    const outcome = await payStripeInvoiceWithCard({
      stripeInvoiceId: invoice.stripeInvoiceId,
      paymentMethodId: card,
      idempotencyKey: `pay-with-new-card-${invoice.stripeInvoiceId}-${card}`,
    });
    attempts.push({ stripeInvoiceId: invoice.stripeInvoiceId, ...outcome });
    if (!outcome.paid) break;
  }
  if (attempts.length === 0) return;
  // The invoices' own webhooks record the payments; the subscription is current again at once.
  await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId });
  await recordAudit({
    trx,
    actor,
    accountId: account.id,
    action: 'subscription.past_due_retried',
    target: { type: 'subscription', id: subscription.id },
    details: { card, attempts },
  });
}
