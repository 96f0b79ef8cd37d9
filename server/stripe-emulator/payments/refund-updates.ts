import type Stripe from 'stripe';
import type { Context } from '../context';

/**
 * Applies `mutate` to a refund and, if anything visible changed, reports it the way Stripe does for
 * every change of a refund (its metadata, or its status moving on): `refund.updated`, then the older
 * `charge.refund.updated`, both carrying the refund and its `previous_attributes`. Returns whether
 * anything changed.
 */
export function updateRefund(
  ctx: Context,
  refund: Stripe.Refund,
  mutate: (refund: Stripe.Refund) => void,
): boolean {
  const before = structuredClone(refund);
  mutate(refund);
  if (JSON.stringify(before) === JSON.stringify(refund)) return false;
  ctx.store.changed();
  ctx.events.emit('refund.updated', refund, before);
  ctx.events.emit('charge.refund.updated', refund, before);
  return true;
}
