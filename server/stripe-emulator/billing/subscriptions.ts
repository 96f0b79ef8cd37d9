import type Stripe from 'stripe';
import type { Context } from '../context';
import { ApiError } from '../http/errors';
import { newSubscription, newSubscriptionItem } from '../objects/subscription';
import { chargeOutcome } from '../payments/cards';
import { createDraftInvoice, subscriptionInvoiceFields, subscriptionPeriodLines } from './invoice-build';
import { collectInvoice, finalizeAndCollect, finalizeInvoice } from './invoice-lifecycle';
import { notifyTrialWillEndIfDue } from './subscription-cycle';
import { prorationCreditsForCancel } from './subscription-update';
import { cancelSubscriptionNow } from './subscription-status';
import { DAY, nowForCustomer, periodBoundary } from './time';

export interface NewItemInput {
  price: Stripe.Price;
  quantity: number;
  metadata: Record<string, string>;
}

export interface CreateSubscriptionInput {
  customer: Stripe.Customer;
  items: NewItemInput[];
  trialPeriodDays?: number | null;
  trialEnd?: number | 'now' | null;
  defaultPaymentMethod?: string | null;
  metadata: Record<string, string>;
  description?: string | null;
  paymentBehavior:
    'allow_incomplete' | 'default_incomplete' | 'error_if_incomplete' | 'pending_if_incomplete';
  collectionMethod: 'charge_automatically' | 'send_invoice';
  daysUntilDue?: number | null;
  cancelAtPeriodEnd?: boolean;
  cancelAt?: number;
  missingPaymentMethod?: 'cancel' | 'create_invoice' | 'pause';
  saveDefaultPaymentMethod?: 'off' | 'on_subscription' | null;
  /** The payer is present (Checkout) and has just authenticated the card if it needed it. */
  authenticated?: boolean;
}

/** All items of a subscription must share a currency and a billing interval, as on Stripe. */
export function validateSubscriptionPrices(prices: Stripe.Price[], param = 'items'): Stripe.Price.Recurring {
  const first = prices[0];
  if (!first) throw ApiError.parameterMissing(param);
  for (const price of prices) {
    if (!price.recurring) {
      throw ApiError.invalid(
        `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
        { param },
      );
    }
    if (!price.active)
      throw ApiError.invalid(`The price specified is inactive. This field only accepts active prices.`, {
        param,
      });
    if (price.currency !== first.currency)
      throw ApiError.invalid('All prices on a subscription must have the same currency.', { param });
    const recurring = price.recurring;
    const base = first.recurring as Stripe.Price.Recurring;
    if (recurring.interval !== base.interval || recurring.interval_count !== base.interval_count) {
      throw ApiError.invalid(
        'All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.',
        { param },
      );
    }
  }
  return first.recurring as Stripe.Price.Recurring;
}

export function subscriptionPaymentMethod(ctx: Context, subscription: Stripe.Subscription): string | null {
  if (subscription.default_payment_method) return subscription.default_payment_method as string;
  const customer = ctx.store.get('customer', subscription.customer as string);
  return (customer?.invoice_settings.default_payment_method as string | null) ?? null;
}

/**
 * Creates a subscription the way Stripe does: `customer.subscription.created`, then its first invoice
 * (`subscription_create`: the first period, or a zero-amount trial invoice), finalized and charged at once.
 * The subscription starts `incomplete` (or `trialing`) and becomes `active` when that invoice is paid.
 */
export function createSubscription(ctx: Context, input: CreateSubscriptionInput): Stripe.Subscription {
  const { customer } = input;
  const now = nowForCustomer(ctx.store, customer);
  const recurring = validateSubscriptionPrices(input.items.map((item) => item.price));
  let trialEnd: number | null = null;
  if (typeof input.trialEnd === 'number') {
    if (input.trialEnd <= now)
      throw ApiError.invalid('Invalid timestamp: must be an integer Unix timestamp in the future.', {
        param: 'trial_end',
      });
    trialEnd = input.trialEnd;
  } else if (input.trialEnd !== 'now' && input.trialPeriodDays) {
    trialEnd = now + input.trialPeriodDays * DAY;
  }
  const periodEnd = trialEnd ?? periodBoundary(now, recurring.interval, recurring.interval_count, 1);
  const firstAmount = input.items.reduce(
    (sum, item) => sum + (item.price.unit_amount ?? 0) * item.quantity,
    0,
  );
  const paymentMethod =
    input.defaultPaymentMethod ?? (customer.invoice_settings.default_payment_method as string | null);
  const chargesNow =
    trialEnd === null && firstAmount > 0 && input.collectionMethod === 'charge_automatically';

  if (chargesNow && !paymentMethod && input.paymentBehavior !== 'default_incomplete') {
    throw ApiError.invalid(
      'This customer has no attached payment source or default payment method. Please consider adding a default payment method.',
      { param: 'default_payment_method' },
    );
  }
  if (chargesNow && paymentMethod && input.paymentBehavior === 'error_if_incomplete') {
    // Stripe creates nothing when the first payment fails under error_if_incomplete; decide up front.
    const behaviour = ctx.store.extras.cardBehaviours[paymentMethod] ?? 'succeeds';
    const outcome = chargeOutcome(behaviour, false, input.authenticated);
    if (outcome.kind !== 'succeeded') {
      throw new ApiError(402, {
        type: 'card_error',
        code:
          outcome.kind === 'requires_action'
            ? 'subscription_payment_intent_requires_action'
            : 'card_declined',
        decline_code: outcome.kind === 'declined' ? outcome.declineCode : undefined,
        message:
          outcome.kind === 'declined'
            ? outcome.message
            : 'Payment for this subscription requires additional user action before it can be completed successfully.',
      });
    }
  }

  const subscription = newSubscription({
    customer,
    currency: input.items[0].price.currency,
    status: trialEnd !== null ? 'trialing' : 'incomplete',
    created: now,
    billingCycleAnchor: periodEnd === trialEnd ? trialEnd : now,
    trialStart: trialEnd !== null ? now : null,
    trialEnd,
    defaultPaymentMethod: input.defaultPaymentMethod ?? null,
    collectionMethod: input.collectionMethod,
    daysUntilDue: input.collectionMethod === 'send_invoice' ? (input.daysUntilDue ?? 30) : null,
    description: input.description ?? null,
    metadata: input.metadata,
    missingPaymentMethodBehaviour: input.missingPaymentMethod ?? 'create_invoice',
    saveDefaultPaymentMethod: input.saveDefaultPaymentMethod ?? 'off',
  });
  subscription.items.data = input.items.map((item) =>
    newSubscriptionItem({
      subscription: subscription.id,
      price: item.price,
      quantity: item.quantity,
      metadata: item.metadata,
      periodStart: now,
      periodEnd,
      created: now,
    }),
  );
  if (input.cancelAtPeriodEnd) {
    subscription.cancel_at_period_end = true;
    subscription.cancel_at = periodEnd;
  } else if (input.cancelAt !== undefined) {
    if (input.cancelAt <= now)
      throw ApiError.invalid('Invalid timestamp: must be an integer Unix timestamp in the future.', {
        param: 'cancel_at',
      });
    subscription.cancel_at = input.cancelAt;
  }
  ctx.store.insert('subscription', subscription);
  ctx.events.emit('customer.subscription.created', subscription);

  const invoice = createDraftInvoice(
    ctx,
    subscriptionInvoiceFields(subscription, customer, {
      billingReason: 'subscription_create',
      periodStart: now,
      periodEnd: now,
      created: now,
    }),
    {
      sweepPendingItems: true,
      extraLines: (id) =>
        subscriptionPeriodLines(
          ctx,
          subscription,
          id,
          { start: now, end: periodEnd },
          { trial: trialEnd !== null },
        ),
    },
  );
  subscription.latest_invoice = invoice.id;
  ctx.store.changed();
  ctx.events.emit('invoice.created', invoice);

  if (input.paymentBehavior === 'default_incomplete') {
    finalizeInvoice(ctx, invoice);
  } else if (input.collectionMethod === 'charge_automatically') {
    finalizeInvoice(ctx, invoice);
    if (invoice.status === 'open')
      collectInvoice(ctx, invoice, {
        automatic: true,
        onSession: input.authenticated,
        authenticated: input.authenticated,
      });
  } else {
    finalizeInvoice(ctx, invoice);
    if (invoice.status === 'open' && subscription.status === 'incomplete') {
      // A send_invoice subscription is active while its invoice awaits payment.
      ctx.events.update('customer.subscription.updated', subscription, (s) => {
        s.status = 'active';
      });
    }
  }
  notifyTrialWillEndIfDue(ctx, subscription, now);
  return subscription;
}

export interface CancelInput {
  invoiceNow: boolean;
  prorate: boolean;
  comment?: string | null;
  feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
}

/**
 * Cancels immediately (DELETE /v1/subscriptions/:id). With `prorate`, unused time is credited as a
 * pending invoice item; with `invoice_now`, pending items are invoiced in a final invoice.
 */
export function cancelSubscription(
  ctx: Context,
  subscription: Stripe.Subscription,
  input: CancelInput,
): void {
  if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
    throw ApiError.invalid(`No such subscription: '${subscription.id}'`, {
      code: 'resource_missing',
      param: 'id',
    });
  }
  const customer = ctx.store.require('customer', subscription.customer as string);
  const now = nowForCustomer(ctx.store, customer);
  if (input.prorate && subscription.status !== 'trialing') prorationCreditsForCancel(ctx, subscription, now);
  cancelSubscriptionNow(ctx, subscription, {
    reason: 'cancellation_requested',
    comment: input.comment,
    feedback: input.feedback,
  });
  if (input.invoiceNow) {
    const invoice = createDraftInvoice(
      ctx,
      subscriptionInvoiceFields(subscription, customer, {
        billingReason: 'subscription_cycle',
        periodStart: now,
        periodEnd: now,
        created: now,
      }),
      { sweepPendingItems: true },
    );
    if (invoice.lines.data.length === 0) {
      ctx.store.delete('invoice', invoice.id);
      return;
    }
    subscription.latest_invoice = invoice.id;
    ctx.events.emit('invoice.created', invoice);
    finalizeAndCollect(ctx, invoice);
  }
}
