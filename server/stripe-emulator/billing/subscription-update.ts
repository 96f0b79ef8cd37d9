import type Stripe from 'stripe';
import type { Context } from '../context';
import { ApiError } from '../http/errors';
import { applyMetadata } from '../http/params';
import { newInvoiceItem } from '../objects/invoice';
import { newSubscriptionItem } from '../objects/subscription';
import { formatDate } from './format';
import {
  createDraftInvoice,
  productName,
  subscriptionInvoiceFields,
  subscriptionPeriodLines,
} from './invoice-build';
import { finalizeAndCollect } from './invoice-lifecycle';
import { prorationFor } from './proration';
import {
  markPausedAtTrialEnd,
  notifyTrialWillEnd,
  notifyTrialWillEndIfDue,
  trialEndOutcome,
  type TrialEndOutcome,
} from './subscription-cycle';
import { cancelSubscriptionNow } from './subscription-status';
import { validateSubscriptionPrices } from './subscriptions';
import { nowForCustomer, periodBoundary } from './time';

export type ProrationBehavior = 'create_prorations' | 'none' | 'always_invoice';

export interface ItemChange {
  id?: string;
  price?: Stripe.Price;
  quantity?: number;
  deleted?: boolean;
  metadata?: '' | Record<string, string>;
}

export interface UpdateSubscriptionInput {
  items?: ItemChange[];
  prorationBehavior: ProrationBehavior;
  prorationDate?: number;
  cancelAtPeriodEnd?: boolean;
  cancelAt?: number | null;
  trialEnd?: number | 'now';
  trialSettings?: Stripe.Subscription.TrialSettings;
  metadata?: '' | Record<string, string>;
  defaultPaymentMethod?: string | null;
  description?: string | null;
  cancellationDetails?: {
    comment?: string | null;
    feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
  };
}

/** A proration as it will be invoiced: one invoice item per credited or charged subscription item. */
export interface ProrationLine {
  subscriptionItem: string;
  price: Stripe.Price;
  quantity: number;
  amount: number;
  description: string;
  periodStart: number;
  periodEnd: number;
}

function describeQuantity(ctx: Context, price: Stripe.Price, quantity: number): string {
  return quantity === 1 ? productName(ctx, price) : `${quantity} × ${productName(ctx, price)}`;
}

/** The items a subscription would have after `changes`, validated as Stripe validates them. */
export function applyItemChanges(
  subscription: Stripe.Subscription,
  changes: ItemChange[],
  now: number,
): Stripe.SubscriptionItem[] {
  const items = subscription.items.data.map((item) => structuredClone(item));
  const periodStart = items[0]?.current_period_start ?? now;
  const periodEnd = items[0]?.current_period_end ?? now;
  changes.forEach((change, index) => {
    const existing = change.id ? items.find((item) => item.id === change.id) : undefined;
    if (change.id && !existing)
      throw ApiError.invalid(`No such subscription item: '${change.id}'`, {
        param: `items[${index}][id]`,
        code: 'resource_missing',
      });
    if (existing && change.deleted) {
      items.splice(items.indexOf(existing), 1);
      return;
    }
    if (existing) {
      if (change.price && change.price.id !== existing.price.id) {
        existing.price = structuredClone(change.price);
        existing.plan = newSubscriptionItem({
          subscription: subscription.id,
          price: change.price,
          quantity: 1,
          metadata: {},
          periodStart,
          periodEnd,
          created: now,
        }).plan;
      }
      if (change.quantity !== undefined) existing.quantity = change.quantity;
      if (change.metadata !== undefined)
        existing.metadata = applyMetadata(existing.metadata, change.metadata);
      return;
    }
    if (!change.price) throw ApiError.parameterMissing(`items[${index}][price]`);
    items.push(
      newSubscriptionItem({
        subscription: subscription.id,
        price: change.price,
        quantity: change.quantity ?? 1,
        metadata: applyMetadata({}, change.metadata),
        periodStart,
        periodEnd,
        created: now,
      }),
    );
  });
  if (items.length === 0)
    throw ApiError.invalid('A subscription must have at least one active plan.', { param: 'items' });
  validateSubscriptionPrices(items.map((item) => item.price));
  return items;
}

/**
 * Prorations for moving from the current items to `next` at `at`: a credit for the unused time of
 * every item that changed or went away and a charge for the remaining time of every item that changed
 * or was added. See proration.ts for the formula.
 */
export function prorationLines(
  ctx: Context,
  current: Stripe.SubscriptionItem[],
  next: Stripe.SubscriptionItem[],
  at: number,
): ProrationLine[] {
  const lines: ProrationLine[] = [];
  const date = formatDate(at);
  for (const old of current) {
    const replacement = next.find((item) => item.id === old.id);
    const unchanged =
      replacement &&
      replacement.price.id === old.price.id &&
      (replacement.quantity ?? 1) === (old.quantity ?? 1);
    if (unchanged) continue;
    const oldQuantity = old.quantity ?? 1;
    const { credit } = prorationFor({
      periodStart: old.current_period_start,
      periodEnd: old.current_period_end,
      prorationDate: at,
      oldAmount: (old.price.unit_amount ?? 0) * oldQuantity,
      newAmount: 0,
    });
    if (credit !== 0) {
      lines.push({
        subscriptionItem: old.id,
        price: old.price,
        quantity: oldQuantity,
        amount: credit,
        description: `Unused time on ${describeQuantity(ctx, old.price, oldQuantity)} after ${date}`,
        periodStart: Math.max(at, old.current_period_start),
        periodEnd: old.current_period_end,
      });
    }
  }
  for (const item of next) {
    const previous = current.find((old) => old.id === item.id);
    if (previous && previous.price.id === item.price.id && (previous.quantity ?? 1) === (item.quantity ?? 1))
      continue;
    const quantity = item.quantity ?? 1;
    const { charge } = prorationFor({
      periodStart: item.current_period_start,
      periodEnd: item.current_period_end,
      prorationDate: at,
      oldAmount: 0,
      newAmount: (item.price.unit_amount ?? 0) * quantity,
    });
    if (charge !== 0) {
      lines.push({
        subscriptionItem: item.id,
        price: item.price,
        quantity,
        amount: charge,
        description: `Remaining time on ${describeQuantity(ctx, item.price, quantity)} after ${date}`,
        periodStart: Math.max(at, item.current_period_start),
        periodEnd: item.current_period_end,
      });
    }
  }
  return lines;
}

/** Stores prorations as pending invoice items and emits `invoiceitem.created` for each. */
export function createProrationItems(
  ctx: Context,
  subscription: Stripe.Subscription,
  lines: ProrationLine[],
  now: number,
): Stripe.InvoiceItem[] {
  const customer = ctx.store.require('customer', subscription.customer as string);
  return lines.map((line) => {
    const item = ctx.store.insert(
      'invoiceitem',
      newInvoiceItem({
        customer,
        amount: line.amount,
        currency: line.price.currency,
        description: line.description,
        price: line.price,
        quantity: line.quantity,
        periodStart: line.periodStart,
        periodEnd: line.periodEnd,
        metadata: {},
        subscription: subscription.id,
        subscriptionItem: line.subscriptionItem,
        proration: true,
        created: now,
      }),
    );
    ctx.events.emit('invoiceitem.created', item);
    return item;
  });
}

export function prorationCreditsForCancel(
  ctx: Context,
  subscription: Stripe.Subscription,
  now: number,
): void {
  createProrationItems(ctx, subscription, prorationLines(ctx, subscription.items.data, [], now), now);
}

/**
 * Creates a subscription's off-cycle invoice (billing_reason `subscription_update`) from its pending
 * items and, when given, a new period; emits `invoice.created`. Returns null when there is nothing to bill.
 */
export function draftSubscriptionUpdateInvoice(
  ctx: Context,
  subscription: Stripe.Subscription,
  now: number,
  newPeriod?: { start: number; end: number },
): Stripe.Invoice | null {
  const customer = ctx.store.require('customer', subscription.customer as string);
  const invoice = createDraftInvoice(
    ctx,
    subscriptionInvoiceFields(subscription, customer, {
      billingReason: 'subscription_update',
      periodStart: now,
      periodEnd: now,
      created: now,
    }),
    {
      sweepPendingItems: true,
      extraLines: newPeriod ? (id) => subscriptionPeriodLines(ctx, subscription, id, newPeriod) : undefined,
    },
  );
  if (invoice.lines.data.length === 0) {
    ctx.store.delete('invoice', invoice.id);
    return null;
  }
  subscription.latest_invoice = invoice.id;
  ctx.events.emit('invoice.created', invoice);
  return invoice;
}

/** Invoices a subscription immediately (billing_reason `subscription_update`) and charges it. */
export function invoiceSubscriptionNow(
  ctx: Context,
  subscription: Stripe.Subscription,
  now: number,
  newPeriod?: { start: number; end: number },
): Stripe.Invoice | null {
  const invoice = draftSubscriptionUpdateInvoice(ctx, subscription, now, newPeriod);
  if (invoice) finalizeAndCollect(ctx, invoice);
  return invoice;
}

/** Applies POST /v1/subscriptions/:id. Events: `customer.subscription.updated`, then prorations and any invoice. */
export function updateSubscription(
  ctx: Context,
  subscription: Stripe.Subscription,
  input: UpdateSubscriptionInput,
): void {
  if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') {
    throw ApiError.invalid('A canceled subscription can only update its cancellation_details and metadata.');
  }
  const now = nowForCustomer(ctx.store, subscription.customer as string);
  const prorationDate = input.prorationDate ?? now;
  const before = structuredClone(subscription);
  let prorations: ProrationLine[] = [];
  let resetPeriod: { start: number; end: number } | undefined;
  let invoiceNow = false;

  if (input.items && input.items.length > 0) {
    const next = applyItemChanges(subscription, input.items, now);
    const oldRecurring = subscription.items.data[0]?.price.recurring;
    const newRecurring = next[0].price.recurring as Stripe.Price.Recurring;
    const intervalChanged =
      !oldRecurring ||
      oldRecurring.interval !== newRecurring.interval ||
      oldRecurring.interval_count !== newRecurring.interval_count;
    const trialing = subscription.status === 'trialing';
    if (input.prorationBehavior !== 'none' && !trialing) {
      prorations = intervalChanged
        ? prorationLines(ctx, subscription.items.data, [], prorationDate)
        : prorationLines(ctx, subscription.items.data, next, prorationDate);
    }
    if (intervalChanged && !trialing) {
      // A new billing interval restarts the billing cycle now and invoices it at once, as on Stripe.
      resetPeriod = {
        start: now,
        end: periodBoundary(now, newRecurring.interval, newRecurring.interval_count, 1),
      };
      for (const item of next) {
        item.current_period_start = resetPeriod.start;
        item.current_period_end = resetPeriod.end;
      }
      subscription.billing_cycle_anchor = now;
      invoiceNow = true;
    }
    subscription.items.data = next;
    subscription.currency = next[0].price.currency;
    if (input.prorationBehavior === 'always_invoice') invoiceNow = true;
  }

  let trialEndedNow: TrialEndOutcome | null = null;
  if (input.trialSettings) subscription.trial_settings = input.trialSettings;
  if (input.trialEnd !== undefined) {
    if (input.trialEnd === 'now') {
      if (subscription.status === 'trialing') {
        subscription.trial_end = now;
        trialEndedNow = trialEndOutcome(ctx, subscription);
        if (trialEndedNow === 'pause') {
          markPausedAtTrialEnd(subscription, now);
          for (const item of subscription.items.data) item.current_period_end = now;
        }
        if (trialEndedNow === 'invoice') {
          const recurring = subscription.items.data[0].price.recurring as Stripe.Price.Recurring;
          resetPeriod = {
            start: now,
            end: periodBoundary(now, recurring.interval, recurring.interval_count, 1),
          };
          for (const item of subscription.items.data) {
            item.current_period_start = resetPeriod.start;
            item.current_period_end = resetPeriod.end;
          }
          subscription.billing_cycle_anchor = now;
          subscription.status = 'active';
          invoiceNow = true;
        }
      }
    } else {
      if (input.trialEnd <= now)
        throw ApiError.invalid('Invalid timestamp: must be an integer Unix timestamp in the future.', {
          param: 'trial_end',
        });
      if (subscription.status !== 'trialing') {
        throw ApiError.invalid(
          'The Stripe emulator only changes `trial_end` of subscriptions that are trialing.',
          { param: 'trial_end' },
        );
      }
      subscription.trial_end = input.trialEnd;
      subscription.billing_cycle_anchor = input.trialEnd;
      for (const item of subscription.items.data) item.current_period_end = input.trialEnd;
    }
  }

  if (input.cancelAtPeriodEnd !== undefined) {
    subscription.cancel_at_period_end = input.cancelAtPeriodEnd;
    subscription.cancel_at = input.cancelAtPeriodEnd ? subscription.items.data[0].current_period_end : null;
    subscription.canceled_at = input.cancelAtPeriodEnd ? now : null;
    subscription.cancellation_details = {
      comment: subscription.cancellation_details?.comment ?? null,
      feedback: subscription.cancellation_details?.feedback ?? null,
      feedback_option: null,
      reason: input.cancelAtPeriodEnd ? 'cancellation_requested' : null,
    };
  }
  if (input.cancelAt !== undefined) {
    subscription.cancel_at = input.cancelAt;
    subscription.cancel_at_period_end =
      input.cancelAt !== null && input.cancelAt === subscription.items.data[0].current_period_end;
    subscription.canceled_at = input.cancelAt === null ? null : now;
  }
  if (subscription.cancel_at_period_end)
    subscription.cancel_at = subscription.items.data[0].current_period_end;
  if (input.cancellationDetails) {
    const details = subscription.cancellation_details ?? {
      comment: null,
      feedback: null,
      feedback_option: null,
      reason: null,
    };
    if (input.cancellationDetails.comment !== undefined) details.comment = input.cancellationDetails.comment;
    if (input.cancellationDetails.feedback !== undefined)
      details.feedback = input.cancellationDetails.feedback;
    subscription.cancellation_details = details;
  }
  if (input.metadata !== undefined)
    subscription.metadata = applyMetadata(subscription.metadata, input.metadata);
  if (input.defaultPaymentMethod !== undefined)
    subscription.default_payment_method = input.defaultPaymentMethod;
  if (input.description !== undefined) subscription.description = input.description;

  ctx.store.changed();
  if (JSON.stringify(before) !== JSON.stringify(subscription))
    ctx.events.emit('customer.subscription.updated', subscription, before);
  if (trialEndedNow !== null) {
    // Stripe warns of a trial's end also when it is ended at once with `trial_end=now`.
    notifyTrialWillEnd(ctx, subscription);
    if (trialEndedNow === 'pause') ctx.events.emit('customer.subscription.paused', subscription);
    if (trialEndedNow === 'cancel')
      cancelSubscriptionNow(ctx, subscription, { reason: 'cancellation_requested' });
  } else {
    notifyTrialWillEndIfDue(ctx, subscription, now);
  }
  createProrationItems(ctx, subscription, prorations, now);
  if (invoiceNow) invoiceSubscriptionNow(ctx, subscription, now, resetPeriod);
}
