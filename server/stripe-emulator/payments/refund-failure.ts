import type Stripe from 'stripe';
import type { Context } from '../context';
import { HOUR } from '../billing/time';
import { updateRefund } from './refund-updates';

/**
 * How long after it was made a refund to a card that cannot take it fails. Stripe says "some time
 * later"; on a test clock, advancing past this moment makes it happen.
 */
export const REFUND_FAILURE_DELAY = HOUR;

/** When a refund will fail, or null when it will not: only refunds to a `refund_fails` card do. */
export function refundFailureDue(ctx: Context, refund: Stripe.Refund): number | null {
  if (refund.status !== 'succeeded' || typeof refund.payment_method !== 'string') return null;
  if (ctx.store.extras.cardBehaviours[refund.payment_method] !== 'refund_fails') return null;
  return refund.created + REFUND_FAILURE_DELAY;
}

/**
 * A refund that succeeded fails, as Stripe's do when the card can no longer take money back: its status
 * becomes `failed` with a `failure_reason`, the money returns to the merchant, so the charge's
 * `amount_refunded` goes back down (and it is refundable again), and Stripe sends `refund.updated`,
 * `charge.refund.updated` and `refund.failed`.
 */
export function failRefund(ctx: Context, refund: Stripe.Refund): void {
  const charge = typeof refund.charge === 'string' ? ctx.store.get('charge', refund.charge) : undefined;
  if (charge) {
    charge.amount_refunded = Math.max(0, charge.amount_refunded - refund.amount);
    charge.refunded = false;
  }
  updateRefund(ctx, refund, (target) => {
    target.status = 'failed';
    target.failure_reason = 'expired_or_canceled_card';
  });
  ctx.events.emit('refund.failed', refund);
}
