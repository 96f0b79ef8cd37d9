import type Stripe from 'stripe';
import type { Context } from '../context';
import { outsideRequest } from '../http/request-context';
import { failRefund, refundFailureDue } from '../payments/refund-failure';
import { expireCheckoutSession } from './checkout';
import { collectInvoice, finalizeAndCollect } from './invoice-lifecycle';
import { cancelSubscriptionNow } from './subscription-status';
import {
  endTrial,
  expireIncompleteSubscription,
  INCOMPLETE_EXPIRY,
  notifyTrialWillEnd,
  renewSubscription,
  TRIAL_WILL_END_NOTICE,
} from './subscription-cycle';
import {
  expireResumptionInvoice,
  openResumptionInvoice,
  RESUMPTION_INVOICE_EXPIRY,
} from './subscription-resume';
import { clockNow, clockOfObject, realNow } from './time';

/** Work that falls due at a moment; `rank` orders work due at the same second the way Stripe does. */
interface DueWork {
  at: number;
  rank: number;
  run: (at: number) => void;
}

function onClock(
  object: { test_clock: string | Stripe.TestHelpers.TestClock | null },
  clockId: string | null,
): boolean {
  const clock = object.test_clock;
  return (clock ? (typeof clock === 'string' ? clock : clock.id) : null) === clockId;
}

function subscriptionWork(ctx: Context, subscription: Stripe.Subscription): DueWork[] {
  const work: DueWork[] = [];
  const { status } = subscription;
  if (status === 'trialing' && subscription.trial_end !== null) {
    const trialEnd = subscription.trial_end;
    const sentFor = ctx.store.extras.subscriptions[subscription.id]?.trialWillEndSentFor;
    if (sentFor !== trialEnd) {
      const trialStart = subscription.trial_start ?? subscription.created;
      work.push({
        at: Math.max(trialEnd - TRIAL_WILL_END_NOTICE, trialStart),
        rank: 0,
        run: () => notifyTrialWillEnd(ctx, subscription),
      });
    }
    if (subscription.cancel_at !== null && subscription.cancel_at <= trialEnd) {
      work.push({
        at: subscription.cancel_at,
        rank: 1,
        run: () => cancelSubscriptionNow(ctx, subscription, { reason: 'cancellation_requested' }),
      });
    } else {
      work.push({ at: trialEnd, rank: 2, run: (at) => endTrial(ctx, subscription, at) });
    }
  }
  if (status === 'active' || status === 'past_due' || status === 'unpaid') {
    const periodEnd = Math.min(...subscription.items.data.map((item) => item.current_period_end));
    if (subscription.cancel_at !== null && subscription.cancel_at <= periodEnd) {
      work.push({
        at: subscription.cancel_at,
        rank: 1,
        run: () => cancelSubscriptionNow(ctx, subscription, { reason: 'cancellation_requested' }),
      });
    } else {
      work.push({ at: periodEnd, rank: 3, run: (at) => renewSubscription(ctx, subscription, at) });
    }
  }
  const resumption = openResumptionInvoice(ctx, subscription);
  if (resumption && resumption.attempt_count === 0) {
    work.push({
      at: resumption.created + RESUMPTION_INVOICE_EXPIRY,
      rank: 6,
      run: () => expireResumptionInvoice(ctx, subscription, resumption),
    });
  }
  if (status === 'incomplete') {
    work.push({
      at: subscription.created + INCOMPLETE_EXPIRY,
      rank: 6,
      run: (at) => expireIncompleteSubscription(ctx, subscription, at),
    });
  }
  return work;
}

function invoiceWork(ctx: Context, invoice: Stripe.Invoice): DueWork[] {
  if (invoice.status === 'draft' && invoice.auto_advance && invoice.automatically_finalizes_at !== null) {
    return [{ at: invoice.automatically_finalizes_at, rank: 4, run: () => finalizeAndCollect(ctx, invoice) }];
  }
  if (
    invoice.status === 'open' &&
    invoice.next_payment_attempt !== null &&
    invoice.auto_advance !== false &&
    invoice.collection_method === 'charge_automatically'
  ) {
    return [
      {
        at: invoice.next_payment_attempt,
        rank: 5,
        run: () => collectInvoice(ctx, invoice, { automatic: true }),
      },
    ];
  }
  return [];
}

function nextDue(ctx: Context, clockId: string | null, until: number): DueWork | undefined {
  let best: DueWork | undefined;
  const consider = (work: DueWork) => {
    if (work.at > until) return;
    if (!best || work.at < best.at || (work.at === best.at && work.rank < best.rank)) best = work;
  };
  for (const subscription of ctx.store.listOldestFirst('subscription')) {
    if (onClock(subscription, clockId)) subscriptionWork(ctx, subscription).forEach(consider);
  }
  for (const invoice of ctx.store.listOldestFirst('invoice')) {
    if (onClock(invoice, clockId)) invoiceWork(ctx, invoice).forEach(consider);
  }
  for (const refund of ctx.store.listOldestFirst('refund')) {
    const due = refundFailureDue(ctx, refund);
    if (due !== null && clockOfObject(ctx.store, refund) === clockId)
      consider({ at: due, rank: 8, run: () => failRefund(ctx, refund) });
  }
  if (clockId === null) {
    for (const session of ctx.store.listOldestFirst('checkout.session')) {
      if (session.status === 'open')
        consider({ at: session.expires_at, rank: 7, run: () => expireCheckoutSession(ctx, session) });
    }
  }
  return best;
}

/** Upper bound on work items per run, so a bug can never spin forever. */
const MAX_STEPS = 100_000;

/**
 * Processes everything due on a clock up to `until`, one item at a time in time order. On a test clock
 * the clock's frozen time is stepped to each item's time first, so objects and events created by the
 * work carry the moment Stripe would have done it.
 */
export function processDueWork(ctx: Context, clockId: string | null, until: number): void {
  outsideRequest(() => {
    const clock = clockId ? ctx.store.get('test_helpers.test_clock', clockId) : undefined;
    for (let step = 0; step < MAX_STEPS; step += 1) {
      const work = nextDue(ctx, clockId, until);
      if (!work) return;
      const at = Math.max(work.at, clock ? clock.frozen_time : 0);
      if (clock) clock.frozen_time = at;
      try {
        work.run(clock ? at : clockNow(ctx.store, null));
      } catch (error) {
        ctx.logger.error({ err: error }, 'stripe emulator: billing work failed');
        return;
      }
    }
    ctx.logger.error({ clockId }, 'stripe emulator: stopped processing after too many steps');
  });
}

/** Processes due work of everything that follows real time. */
export function processRealTime(ctx: Context): void {
  processDueWork(ctx, null, realNow());
}
