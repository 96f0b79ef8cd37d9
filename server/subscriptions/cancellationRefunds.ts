import type { Knex } from 'knex';
import type { Actor } from '../auth/actor';
import type { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { ValidationError } from '../errors';
import { Payment } from '../payments/Payment';
import { applyRefund } from '../payments/refundApplication';
import { callStripe } from '../stripe/errors';
import { createStripeRefund, findStripeRefundOfRequest, type StripeRefundState } from '../stripe/refunds';
import type { Subscription } from './Subscription';

/** What a platform admin's cancellation at once gives back of what was paid for the current period. */
export const CANCELLATION_REFUNDS = ['none', 'prorated', 'full'] as const;
export type CancellationRefund = (typeof CANCELLATION_REFUNDS)[number];

/** One refund decided with the cancellation: of which payment, how much. */
export interface DecidedRefund {
  paymentId: string;
  stripePaymentIntentId: string;
  amount: number;
}

/**
 * The refunds a cancellation at once makes, decided before anything is changed (and saved with the
 * request's decision, so a retry makes the same ones). They come from the payments for the current
 * period (its charge and any upgrade charged during it; a lifetime plan's one payment), latest first:
 * `full` gives back what is left of each; `prorated` gives back what the time left in the period is
 * worth at the current price and seats (Stripe's own proration, to the second, rounded half up), never
 * more than was paid for the period. A lifetime plan has no period to prorate.
 */
export async function decideCancellationRefunds({
  subscription,
  plan,
  refund,
}: {
  subscription: Subscription;
  plan: Plan;
  refund: CancellationRefund;
}): Promise<DecidedRefund[]> {
  if (refund === 'none') return [];
  const lifetime = plan.billingInterval === 'lifetime';
  if (lifetime && refund === 'prorated')
    throw ValidationError.forField('refund', 'cannot be prorated: a lifetime plan has no period');
  const payments = await Payment.query()
    .where({ subscriptionId: subscription.id })
    .whereIn('type', ['subscription_payment', 'subscription_upgrade'])
    .whereIn('status', ['completed', 'refunded'])
    .whereNotNull('stripePaymentIntentId')
    .modify((query) => {
      if (!lifetime) query.where('completedAt', '>=', subscription.currentPeriodStart);
    })
    .orderBy('completedAt', 'desc');
  let owed = refund === 'full' ? Number.MAX_SAFE_INTEGER : unusedValue({ subscription, plan });
  const refunds: DecidedRefund[] = [];
  for (const payment of payments) {
    const amount = Math.min(owed, payment.amount - payment.amountRefunded);
    if (amount <= 0) continue;
    refunds.push({ paymentId: payment.id, stripePaymentIntentId: payment.stripePaymentIntentId!, amount });
    owed -= amount;
  }
  return refunds;
}

/** What the rest of the current period is worth at the subscription's price and seats, in minor units. */
function unusedValue({ subscription, plan }: { subscription: Subscription; plan: Plan }): number {
  const end = subscription.currentPeriodEnd;
  if (!end) return 0;
  const period = BigInt(end.getTime() - subscription.currentPeriodStart.getTime());
  const left = BigInt(Math.max(0, end.getTime() - now().getTime()));
  if (period <= 0n || left === 0n) return 0;
  const total = BigInt(plan.priceAmount) * BigInt(subscription.quantity);
  return Number((2n * total * left + period) / (2n * period));
}

/**
 * Makes the decided refunds in Stripe. Each is keyed by the subscription and the payment (a subscription
 * is canceled at once only once) and names that key in its metadata, where a retry finds it even after
 * Stripe has forgotten the key.
 */
export async function makeCancellationRefunds({
  subscriptionId,
  refunds,
  reason,
}: {
  subscriptionId: string;
  refunds: DecidedRefund[];
  reason: string;
}): Promise<StripeRefundState[]> {
  const made: StripeRefundState[] = [];
  for (const refund of refunds) {
    const key = `cancellation-${subscriptionId}-refund-${refund.paymentId}`;
    const { stripePaymentIntentId, amount } = refund;
    made.push(
      await callStripe('refund the canceled period', async () => {
        const earlier = await findStripeRefundOfRequest({ stripePaymentIntentId, request: key });
        return (
          earlier ??
          createStripeRefund({ stripePaymentIntentId, amount, reason, idempotencyKey: key, request: key })
        );
      }),
    );
  }
  return made;
}

/** Records the refunds made (each once, by its Stripe id; the webhook may have recorded it first). */
export async function recordCancellationRefunds({
  trx,
  actor,
  refunds,
  made,
  reason,
}: {
  trx: Knex.Transaction;
  actor: Actor;
  refunds: DecidedRefund[];
  made: StripeRefundState[];
  reason: string;
}): Promise<number> {
  let refunded = 0;
  for (const [index, refund] of refunds.entries()) {
    const payment = await Payment.query(trx).findById(refund.paymentId).throwIfNotFound();
    await applyRefund({ trx, actor, payment, refund: made[index]!, reason });
    refunded += made[index]!.amount;
  }
  return refunded;
}
