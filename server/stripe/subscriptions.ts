import type Stripe from 'stripe';
import { isMissing } from './errors';
import { stripe } from './client';
import { everyItem } from './lists';
import { fromUnix, idOf } from './timestamps';

/**
 * A Stripe subscription as our domain needs it. Handlers never trust the copy inside an event (events
 * arrive late, twice and out of order); they fetch the current state with `fetchStripeSubscription`.
 */
export interface StripeSubscriptionState {
  stripeSubscriptionId: string;
  stripeCustomerId: string | null;
  status: Stripe.Subscription.Status;
  stripePriceId: string | null;
  priceLookupKey: string | null;
  quantity: number;
  startedAt: Date;
  currentPeriodStart: Date;
  currentPeriodEnd: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  endedAt: Date | null;
  /** Our account id, as we put it in the subscription's metadata at Checkout. */
  metadataAccountId: string | null;
}

export async function fetchStripeSubscription(
  stripeSubscriptionId: string,
): Promise<StripeSubscriptionState> {
  return toSubscriptionState(await stripe().subscriptions.retrieve(stripeSubscriptionId));
}

/** The subscription as Stripe has it now, or null when Stripe has none by that id. */
export async function findStripeSubscription(
  stripeSubscriptionId: string,
): Promise<StripeSubscriptionState | null> {
  try {
    return await fetchStripeSubscription(stripeSubscriptionId);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/** Statuses in which Stripe keeps billing (or about to bill) a subscription. */
const LIVE_STATUSES: ReadonlySet<Stripe.Subscription.Status> = new Set([
  'trialing',
  'active',
  'past_due',
  'unpaid',
  'paused',
]);

/** Every subscription Stripe considers live, of every customer. */
export async function listLiveStripeSubscriptions(): Promise<StripeSubscriptionState[]> {
  const subscriptions = await everyItem(stripe().subscriptions.list({ limit: 100 }));
  return subscriptions
    .filter((subscription) => LIVE_STATUSES.has(subscription.status))
    .map(toSubscriptionState);
}

export function toSubscriptionState(subscription: Stripe.Subscription): StripeSubscriptionState {
  const item = subscription.items.data[0];
  return {
    stripeSubscriptionId: subscription.id,
    stripeCustomerId: idOf(subscription.customer),
    status: subscription.status,
    stripePriceId: item?.price.id ?? null,
    priceLookupKey: item?.price.lookup_key ?? null,
    quantity: item?.quantity ?? 1,
    startedAt: fromUnix(subscription.start_date),
    currentPeriodStart: fromUnix(item?.current_period_start ?? subscription.start_date),
    currentPeriodEnd: fromUnix(item?.current_period_end ?? null),
    trialStart: fromUnix(subscription.trial_start),
    trialEnd: fromUnix(subscription.trial_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    canceledAt: fromUnix(subscription.canceled_at),
    endedAt: fromUnix(subscription.ended_at),
    metadataAccountId: subscription.metadata?.account_id ?? null,
  };
}

export interface SubscriptionChange {
  stripeSubscriptionId: string;
  priceId: string;
  quantity: number;
  /** `always_invoice`: prorate and charge at once (upgrades, seats); `none`: the new price starts at renewal. */
  prorationBehavior: 'always_invoice' | 'none';
  /** Unix seconds; pass the preview's, so the charge equals what the customer was shown. */
  prorationDate?: number;
}

export interface ChangePreview {
  /** What the invoice issued at once would total, in minor units (negative: a credit). */
  amountDue: number;
  currency: string;
  prorationDate: number;
  lines: Array<{ description: string | null; amount: number; proration: boolean }>;
}

async function itemOf(stripeSubscriptionId: string): Promise<Stripe.SubscriptionItem> {
  const subscription = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  const item = subscription.items.data[0];
  if (!item) throw new Error(`Stripe subscription ${stripeSubscriptionId} has no item`);
  return item;
}

/** What changing the subscription's price or quantity now would invoice, without changing anything. */
export async function previewStripeSubscriptionChange(
  change: SubscriptionChange & { stripeCustomerId: string },
): Promise<ChangePreview> {
  const item = await itemOf(change.stripeSubscriptionId);
  const preview = await stripe().invoices.createPreview({
    customer: change.stripeCustomerId,
    subscription: change.stripeSubscriptionId,
    subscription_details: {
      items: [{ id: item.id, price: change.priceId, quantity: change.quantity }],
      proration_behavior: change.prorationBehavior,
      ...(change.prorationDate !== undefined && { proration_date: change.prorationDate }),
    },
  });
  // Stripe picks "now" on the customer's clock (a test clock, in tests) when we give no date.
  const prorationDate =
    change.prorationDate ??
    preview.parent?.subscription_details?.subscription_proration_date ??
    preview.created;
  return {
    amountDue: preview.total,
    currency: preview.currency,
    prorationDate,
    lines: preview.lines.data.map((line) => ({
      description: line.description,
      amount: line.amount,
      proration: Boolean(
        line.parent?.subscription_item_details?.proration || line.parent?.invoice_item_details?.proration,
      ),
    })),
  };
}

/** Moves the subscription to another price or quantity. The key makes a retried change a replay. */
export async function changeStripeSubscription(
  change: SubscriptionChange & { idempotencyKey: string },
): Promise<StripeSubscriptionState> {
  const item = await itemOf(change.stripeSubscriptionId);
  const updated = await stripe().subscriptions.update(
    change.stripeSubscriptionId,
    {
      items: [{ id: item.id, price: change.priceId, quantity: change.quantity }],
      proration_behavior: change.prorationBehavior,
      ...(change.prorationDate !== undefined && { proration_date: change.prorationDate }),
    },
    { idempotencyKey: change.idempotencyKey },
  );
  return toSubscriptionState(updated);
}

export async function setStripeCancelAtPeriodEnd({
  stripeSubscriptionId,
  cancelAtPeriodEnd,
}: {
  stripeSubscriptionId: string;
  cancelAtPeriodEnd: boolean;
}): Promise<StripeSubscriptionState> {
  return toSubscriptionState(
    await stripe().subscriptions.update(stripeSubscriptionId, { cancel_at_period_end: cancelAtPeriodEnd }),
  );
}

export async function cancelStripeSubscriptionNow({
  stripeSubscriptionId,
}: {
  stripeSubscriptionId: string;
}): Promise<StripeSubscriptionState> {
  const current = await stripe().subscriptions.retrieve(stripeSubscriptionId);
  if (current.status === 'canceled') return toSubscriptionState(current);
  return toSubscriptionState(await stripe().subscriptions.cancel(stripeSubscriptionId));
}

export async function createStripePortalSession({
  stripeCustomerId,
  returnUrl,
}: {
  stripeCustomerId: string;
  returnUrl: string;
}): Promise<string> {
  const session = await stripe().billingPortal.sessions.create({
    customer: stripeCustomerId,
    return_url: returnUrl,
  });
  return session.url;
}
