import type Stripe from 'stripe';
import type { Context } from '../context';
import { nowForCustomer } from '../billing/time';
import { ApiError } from '../http/errors';
import { newCharge } from '../objects/payments';
import { recordChargeFunds } from './balance';
import { chargeOutcome, type ChargeOutcome, declineErrorCode } from './cards';
import { attachPaymentMethod } from './payment-methods';

export interface ConfirmOptions {
  paymentMethod: Stripe.PaymentMethod;
  /** Merchant-initiated (renewals, retries, top-ups): no customer is present to authenticate. */
  offSession: boolean;
  /** The customer completed a 3-D Secure challenge for this attempt. */
  authenticated?: boolean;
  /** Where the customer returns after a 3-D Secure challenge. */
  returnUrl?: string | null;
  /**
   * Invoice payments park in `requires_action` rather than failing when a card needs authentication,
   * so the customer can authenticate on the hosted invoice page; merchant off-session payments fail.
   */
  authenticationParksIntent?: boolean;
}

export interface ConfirmResult {
  outcome: ChargeOutcome;
  charge: Stripe.Charge | null;
}

/**
 * Attempts a PaymentIntent's payment with a card and records it exactly as Stripe would: a charge for
 * every attempt that reaches the card network, the intent's status, `last_payment_error` and the
 * `charge.*` and `payment_intent.*` events.
 */
export function confirmPaymentIntent(
  ctx: Context,
  intent: Stripe.PaymentIntent,
  options: ConfirmOptions,
): ConfirmResult {
  const { store, events } = ctx;
  const method = options.paymentMethod;
  const now = nowForCustomer(store, intent.customer as string | null);
  const behaviour = store.extras.cardBehaviours[method.id] ?? 'succeeds';
  let outcome = chargeOutcome(
    behaviour,
    options.offSession && !options.authenticationParksIntent,
    options.authenticated,
  );
  if (outcome.kind === 'requires_action' && options.offSession && !options.authenticationParksIntent) {
    outcome = {
      kind: 'declined',
      declineCode: 'authentication_required',
      message: 'Your card was declined. This transaction requires authentication.',
    };
  }

  const before = structuredClone(intent);
  intent.payment_method = method.id;

  if (outcome.kind === 'requires_action') {
    intent.status = 'requires_action';
    intent.last_payment_error = null;
    intent.next_action = {
      type: 'redirect_to_url',
      redirect_to_url: { url: `${ctx.publicUrl}/3ds/${intent.id}`, return_url: options.returnUrl ?? null },
    };
    store.changed();
    events.emit('payment_intent.requires_action', intent, before);
    return { outcome, charge: null };
  }

  const failure =
    outcome.kind === 'declined'
      ? {
          code: declineErrorCode(outcome.declineCode),
          declineCode: outcome.declineCode,
          message: outcome.message,
        }
      : null;
  // `manual` capture only authorizes: the funds are held until captured. `automatic_async` captures
  // like `automatic`; Stripe only defers the capture request, which nothing here can observe.
  const authorizeOnly = intent.capture_method === 'manual';
  const charge = store.insert(
    'charge',
    newCharge({
      paymentIntent: intent,
      paymentMethod: method,
      failure,
      captured: !authorizeOnly,
      created: now,
      receiptUrl: '',
    }),
  );
  if (charge.status === 'succeeded') charge.receipt_url = `${ctx.publicUrl}/receipts/${charge.id}`;
  intent.latest_charge = charge.id;
  intent.next_action = null;

  if (failure) {
    intent.status = 'requires_payment_method';
    intent.payment_method = null;
    intent.last_payment_error = {
      type: 'card_error',
      code: failure.code as Stripe.PaymentIntent.LastPaymentError.Code,
      decline_code: failure.declineCode,
      message: failure.message,
      charge: charge.id,
      doc_url: `https://docs.stripe.com/error-codes/${failure.code.replace(/_/g, '-')}`,
      payment_method: structuredClone(method),
      payment_method_type: 'card',
    };
    store.changed();
    events.emit('charge.failed', charge);
    events.emit('payment_intent.payment_failed', intent, before);
    return { outcome, charge };
  }

  intent.last_payment_error = null;
  if (authorizeOnly) {
    intent.status = 'requires_capture';
    intent.amount_capturable = intent.amount;
  } else {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    recordChargeFunds(ctx, charge);
  }
  if (intent.setup_future_usage && intent.customer && !method.customer) {
    attachPaymentMethod(ctx, method, intent.customer as string);
  }
  store.changed();
  // Stripe reports an authorization as a successful (uncaptured) charge too.
  events.emit('charge.succeeded', charge);
  if (authorizeOnly) events.emit('payment_intent.amount_capturable_updated', intent, before);
  else events.emit('payment_intent.succeeded', intent, before);
  return { outcome, charge };
}

/** The 402 a card failure answers with, carrying the intent the way Stripe's error does. */
export function cardError(intent: Stripe.PaymentIntent): ApiError {
  const error = intent.last_payment_error;
  return new ApiError(402, {
    type: 'card_error',
    code: error?.code ?? 'card_declined',
    decline_code: error?.decline_code,
    message: error?.message ?? 'Your card was declined.',
    charge: error?.charge,
    payment_intent: structuredClone(intent),
    payment_method: error?.payment_method,
  });
}
