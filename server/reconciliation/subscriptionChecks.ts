import { findStripeSubscription, listLiveStripeSubscriptions } from '../stripe/subscriptions';
import { STATUS_FROM_STRIPE } from '../subscriptions/stripeSubscriptionSync';
import { CURRENT_STATUSES, Subscription } from '../subscriptions/Subscription';
import type { Difference } from './ledgerChecks';
import { accountsOfStripeCustomers } from './ownership';

/**
 * Our subscriptions against Stripe's, both ways: every subscription Stripe is billing one of our
 * customers for is the account's current one here, in the same status; and every current one here that
 * Stripe bills is still live there.
 */
export async function subscriptionsMatchStripe(): Promise<{ differences: Difference[]; checked: number }> {
  const live = await listLiveStripeSubscriptions();
  const accounts = await accountsOfStripeCustomers(live.map((subscription) => subscription.stripeCustomerId));
  const ours = live.filter((subscription) => accounts.has(subscription.stripeCustomerId ?? ''));
  const rows = await Subscription.query().whereIn(
    'stripeSubscriptionId',
    ours.map((subscription) => subscription.stripeSubscriptionId),
  );
  const rowOf = new Map(rows.map((row) => [row.stripeSubscriptionId, row]));
  const differences: Difference[] = [];
  for (const subscription of ours) {
    const row = rowOf.get(subscription.stripeSubscriptionId);
    const expected = STATUS_FROM_STRIPE[subscription.status] ?? subscription.status;
    if (row?.status === expected) continue;
    differences.push({
      check:
        row && CURRENT_STATUSES.includes(row.status)
          ? 'subscription status matches Stripe'
          : 'live Stripe subscription is current here',
      accountId: accounts.get(subscription.stripeCustomerId!)!,
      subject: `subscription ${subscription.stripeSubscriptionId}`,
      expected,
      actual: row?.status ?? 'none',
    });
  }

  const liveIds = new Set(ours.map((subscription) => subscription.stripeSubscriptionId));
  const currentHere = await Subscription.query()
    .whereIn('status', CURRENT_STATUSES)
    .whereNotNull('stripeSubscriptionId');
  const notLiveInStripe = currentHere.filter((row) => !liveIds.has(row.stripeSubscriptionId!));
  for (const row of notLiveInStripe) {
    const inStripe = await findStripeSubscription(row.stripeSubscriptionId!);
    const expected = inStripe ? (STATUS_FROM_STRIPE[inStripe.status] ?? inStripe.status) : 'none';
    if (expected === row.status) continue;
    differences.push({
      check: inStripe ? 'subscription status matches Stripe' : 'subscription exists in Stripe',
      accountId: row.accountId,
      subject: `subscription ${row.stripeSubscriptionId}`,
      expected,
      actual: row.status,
    });
  }
  return { differences, checked: ours.length + notLiveInStripe.length };
}
