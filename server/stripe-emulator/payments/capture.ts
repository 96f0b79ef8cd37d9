import type Stripe from 'stripe';
import type { Context } from '../context';
import { nowForCustomer } from '../billing/time';
import { newRefund } from '../objects/payments';
import { recordChargeFunds } from './balance';

function authorizedCharge(ctx: Context, intent: Stripe.PaymentIntent): Stripe.Charge {
  return ctx.store.require('charge', intent.latest_charge as string, 'payment_intent');
}

/**
 * Captures `amount` of an authorized PaymentIntent (`requires_capture`). As on Stripe, the rest of the
 * authorization is released: the charge's `amount_refunded` counts it (so it can never be refunded
 * again) while `refunded` stays false. Events: `charge.captured`, then `payment_intent.succeeded`.
 */
export function captureAuthorization(ctx: Context, intent: Stripe.PaymentIntent, amount: number): void {
  const { store, events } = ctx;
  const charge = authorizedCharge(ctx, intent);
  const chargeBefore = structuredClone(charge);
  const intentBefore = structuredClone(intent);
  charge.captured = true;
  charge.amount_captured = amount;
  charge.amount_refunded = charge.amount - amount;
  recordChargeFunds(ctx, charge);
  intent.status = 'succeeded';
  intent.amount_received = amount;
  intent.amount_capturable = 0;
  store.changed();
  events.emit('charge.captured', charge, chargeBefore);
  events.emit('payment_intent.succeeded', intent, intentBefore);
}

/**
 * Releases the authorization of a PaymentIntent canceled in `requires_capture`: Stripe refunds the whole
 * uncaptured amount, which moved no money, so the refund has no balance transaction. The caller
 * cancels the intent and emits `payment_intent.canceled`.
 */
export function releaseAuthorization(ctx: Context, intent: Stripe.PaymentIntent): void {
  const { store, events } = ctx;
  const charge = authorizedCharge(ctx, intent);
  const refund = store.insert(
    'refund',
    newRefund({
      charge,
      amount: charge.amount,
      reason: null,
      metadata: {},
      created: nowForCustomer(store, charge.customer as string | null),
    }),
  );
  events.emit('refund.created', refund);
  const before = structuredClone(charge);
  charge.amount_refunded = charge.amount;
  charge.refunded = true;
  intent.amount_capturable = 0;
  store.changed();
  events.emit('charge.refunded', charge, before);
}
