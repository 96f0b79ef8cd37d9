import type Stripe from 'stripe';
import type { Context } from '../context';
import { realNow } from '../billing/time';
import { ApiError } from '../http/errors';
import { newCardPaymentMethod } from '../objects/payment-method';
import { cardForToken, chargeOutcome, declineErrorCode, failsOnAttach, type TestCard } from './cards';

export function createCardPaymentMethod(
  ctx: Context,
  card: TestCard,
  details: {
    expMonth?: number;
    expYear?: number;
    name?: string | null;
    email?: string | null;
    metadata?: Record<string, string>;
    created?: number;
  },
): Stripe.PaymentMethod {
  const method = newCardPaymentMethod({
    card,
    expMonth: details.expMonth ?? 12,
    expYear: details.expYear ?? new Date().getUTCFullYear() + 3,
    billingName: details.name ?? null,
    billingEmail: details.email ?? null,
    metadata: details.metadata ?? {},
    created: details.created ?? realNow(),
  });
  ctx.store.insert('payment_method', method);
  ctx.store.extras.cardBehaviours[method.id] = card.behaviour;
  return method;
}

/**
 * Resolves a `payment_method` parameter: a stored id, or a test token such as `pm_card_visa`, which, as
 * on Stripe, creates a new PaymentMethod every time it is used.
 */
export function resolvePaymentMethod(
  ctx: Context,
  value: string,
  param = 'payment_method',
): Stripe.PaymentMethod {
  const card = cardForToken(value);
  if (card) return createCardPaymentMethod(ctx, card, {});
  return ctx.store.require('payment_method', value, param);
}

/** Attaches a card to a customer; declining test cards fail here, as Stripe's card check does. */
export function attachPaymentMethod(ctx: Context, method: Stripe.PaymentMethod, customerId: string): void {
  const customer = ctx.store.require('customer', customerId, 'customer');
  if (method.customer === customer.id) return;
  assertAttachable(ctx, method);
  method.customer = customer.id;
  ctx.store.changed();
  ctx.events.emit('payment_method.attached', method);
}

/**
 * Throws what attaching the card would: it belongs to another customer, or its test card declines. Called
 * before anything is created by a request that attaches one (a customer created with a card), so that a
 * refused card leaves nothing behind, as in Stripe.
 */
export function assertAttachable(ctx: Context, method: Stripe.PaymentMethod): void {
  if (method.customer) {
    throw ApiError.invalid('The payment method you provided has already been attached to a customer.', {
      param: 'payment_method',
    });
  }
  const behaviour = ctx.store.extras.cardBehaviours[method.id] ?? 'succeeds';
  if (failsOnAttach(behaviour)) {
    const outcome = chargeOutcome(behaviour, false);
    if (outcome.kind !== 'declined') return;
    const expired = outcome.declineCode === 'expired_card';
    throw new ApiError(402, {
      type: 'card_error',
      code: declineErrorCode(outcome.declineCode),
      decline_code: outcome.declineCode,
      message: outcome.message,
      // Stripe names the expiry month for an expired card, and no parameter for other declines.
      param: expired ? 'exp_month' : '',
    });
  }
}

export function detachPaymentMethod(ctx: Context, method: Stripe.PaymentMethod): void {
  const customerId = method.customer as string | null;
  if (!customerId)
    throw ApiError.invalid(`The payment method ${method.id} is not attached to a customer.`, {
      param: 'payment_method',
    });
  const before = structuredClone(method);
  method.customer = null;
  ctx.store.changed();
  ctx.events.emit('payment_method.detached', method, before);
  const customer = ctx.store.get('customer', customerId);
  if (customer && customer.invoice_settings.default_payment_method === method.id) {
    ctx.events.update('customer.updated', customer, (c) => {
      c.invoice_settings.default_payment_method = null;
    });
  }
  for (const subscription of ctx.store.list('subscription')) {
    if (subscription.default_payment_method === method.id) {
      ctx.events.update('customer.subscription.updated', subscription, (s) => {
        s.default_payment_method = null;
      });
    }
  }
}
