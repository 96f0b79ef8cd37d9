import type Stripe from 'stripe';
import type { Context } from '../context';
import { newSetupIntent, type SetupIntentFields } from '../objects/setup-intent';
import { chargeOutcome, declineErrorCode, failsOnAttach } from './cards';
import { attachPaymentMethod } from './payment-methods';

export interface SetupOptions {
  paymentMethod: Stripe.PaymentMethod;
  /** The customer completed a 3-D Secure challenge for this setup. */
  authenticated?: boolean;
  /** Where the customer returns after a 3-D Secure challenge. */
  returnUrl?: string | null;
}

export type SetupOutcome = 'succeeded' | 'requires_action' | 'failed';

/** Stores a new SetupIntent and emits `setup_intent.created`. */
export function createSetupIntent(ctx: Context, fields: SetupIntentFields): Stripe.SetupIntent {
  const setupIntent = ctx.store.insert('setup_intent', newSetupIntent(fields));
  ctx.events.emit('setup_intent.created', setupIntent);
  return setupIntent;
}

/**
 * Confirms a SetupIntent with a card, as Stripe's card check would: cards that need 3-D Secure wait in
 * `requires_action`; cards that decline when saved fail with `last_setup_error` and
 * `setup_intent.setup_failed`; any other card succeeds and, when the intent has a customer, is attached
 * to it (`payment_method.attached` before `setup_intent.succeeded`).
 */
export function confirmSetupIntent(
  ctx: Context,
  setupIntent: Stripe.SetupIntent,
  options: SetupOptions,
): SetupOutcome {
  const { store, events } = ctx;
  const method = options.paymentMethod;
  const behaviour = store.extras.cardBehaviours[method.id] ?? 'succeeds';
  const before = structuredClone(setupIntent);
  setupIntent.payment_method = method.id;

  if (behaviour === 'requires_authentication' && !options.authenticated) {
    setupIntent.status = 'requires_action';
    setupIntent.last_setup_error = null;
    setupIntent.next_action = {
      type: 'redirect_to_url',
      redirect_to_url: {
        url: `${ctx.publicUrl}/3ds/${setupIntent.id}`,
        return_url: options.returnUrl ?? null,
      },
    };
    store.changed();
    events.emit('setup_intent.requires_action', setupIntent, before);
    return 'requires_action';
  }

  const outcome = chargeOutcome(behaviour, false, options.authenticated);
  if (failsOnAttach(behaviour) && outcome.kind === 'declined') {
    const code = declineErrorCode(outcome.declineCode);
    setupIntent.status = 'requires_payment_method';
    setupIntent.payment_method = null;
    setupIntent.next_action = null;
    setupIntent.last_setup_error = {
      type: 'card_error',
      code: code as Stripe.SetupIntent.LastSetupError.Code,
      decline_code: outcome.declineCode,
      message: outcome.message,
      doc_url: `https://docs.stripe.com/error-codes/${code.replace(/_/g, '-')}`,
      payment_method: structuredClone(method),
      payment_method_type: 'card',
    };
    store.changed();
    events.emit('setup_intent.setup_failed', setupIntent, before);
    return 'failed';
  }

  if (setupIntent.customer && method.customer !== setupIntent.customer)
    attachPaymentMethod(ctx, method, setupIntent.customer as string);
  setupIntent.status = 'succeeded';
  setupIntent.last_setup_error = null;
  setupIntent.next_action = null;
  store.changed();
  events.emit('setup_intent.succeeded', setupIntent, before);
  return 'succeeded';
}

/** The payer failed the 3-D Secure challenge: the card is not saved and a new one is needed. */
export function failSetupAuthentication(ctx: Context, setupIntent: Stripe.SetupIntent): void {
  const method = ctx.store.get('payment_method', setupIntent.payment_method as string);
  const before = structuredClone(setupIntent);
  setupIntent.status = 'requires_payment_method';
  setupIntent.next_action = null;
  setupIntent.payment_method = null;
  setupIntent.last_setup_error = {
    type: 'invalid_request_error',
    code: 'setup_intent_authentication_failure',
    message:
      'The latest attempt to set up the payment method has failed because authentication failed. Provide a new payment method to attempt to set up again.',
    payment_method: method ? structuredClone(method) : undefined,
  };
  ctx.store.changed();
  ctx.events.emit('setup_intent.setup_failed', setupIntent, before);
}
