import { z } from 'zod';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { nowForCustomer } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { applyMetadata, inRange, p, parseParams } from '../http/params';
import { resolvePaymentMethod } from '../payments/payment-methods';
import { confirmSetupIntent, createSetupIntent } from '../payments/setup';
import { listWith, nullable } from './shared';

/**
 * `allowed_payment_method_types`, which replaced `payment_method_types` in this API version. Only cards
 * exist here; Stripe's other payment method types are refused rather than pretended.
 */
const allowedPaymentMethodTypes = z.array(p.enum(['card']));

const confirmShape = {
  payment_method: z.string().optional(),
  allowed_payment_method_types: allowedPaymentMethodTypes.optional(),
  return_url: z.string().optional(),
  mandate_data: p.ignored(),
  payment_method_options: p.ignored(),
  payment_method_data: p.ignored(),
  use_stripe_sdk: p.ignored(),
  expand: p.expand(),
};

const createSchema = z.strictObject({
  ...confirmShape,
  customer: z.string().optional(),
  confirm: p.boolean().optional(),
  usage: p.enum(['on_session', 'off_session']).optional(),
  description: z.string().optional(),
  metadata: p.metadata().optional(),
  automatic_payment_methods: p.ignored(),
  attach_to_self: p.ignored(),
  flow_directions: p.ignored(),
  single_use: p.ignored(),
});

const updateSchema = z.strictObject({
  customer: z.string().optional(),
  payment_method: z.string().optional(),
  allowed_payment_method_types: z.union([z.literal(''), allowedPaymentMethodTypes]).optional(),
  description: z.string().optional(),
  metadata: p.metadata().optional(),
  payment_method_options: p.ignored(),
  attach_to_self: p.ignored(),
  flow_directions: p.ignored(),
  expand: p.expand(),
});

const CANCELABLE: Stripe.SetupIntent.Status[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

function unexpectedState(message: string, param?: string): ApiError {
  return ApiError.invalid(message, { code: 'setup_intent_unexpected_state', param });
}

export function registerSetupIntents(routes: ApiRoutes, ctx: Context): void {
  const { store, events } = ctx;

  /** A card to set up; one saved to another customer cannot be used for this intent's customer. */
  function usableMethod(setupIntent: Stripe.SetupIntent | null, customer: string | null, id: string) {
    const method = resolvePaymentMethod(ctx, id);
    const owner = customer ?? (setupIntent?.customer as string | null) ?? null;
    if (method.customer && owner && method.customer !== owner) {
      throw ApiError.invalid('The provided PaymentMethod belongs to another customer.', {
        param: 'payment_method',
      });
    }
    return method;
  }

  /** Confirms, answering a card that fails with Stripe's 402 card error (the intent is updated either way). */
  function confirm(
    setupIntent: Stripe.SetupIntent,
    input: { payment_method?: string; return_url?: string; allowed_payment_method_types?: 'card'[] },
  ) {
    if (setupIntent.status === 'succeeded')
      throw unexpectedState(
        'You cannot confirm this SetupIntent because it has already succeeded after being previously confirmed.',
      );
    if (setupIntent.status === 'canceled')
      throw unexpectedState('You cannot confirm this SetupIntent because it has been canceled.');
    const methodId = input.payment_method ?? (setupIntent.payment_method as string | null);
    if (!methodId) {
      throw unexpectedState(
        "You cannot confirm this SetupIntent because it's missing a payment method. Update the SetupIntent with a payment method and then confirm it again.",
        'payment_method',
      );
    }
    const method = usableMethod(setupIntent, null, methodId);
    if (input.allowed_payment_method_types !== undefined)
      setupIntent.allowed_payment_method_types = input.allowed_payment_method_types;
    const outcome = confirmSetupIntent(ctx, setupIntent, {
      paymentMethod: method,
      returnUrl: input.return_url ?? null,
    });
    if (outcome === 'failed') {
      const error = setupIntent.last_setup_error;
      throw new ApiError(402, {
        type: 'card_error',
        code: error?.code,
        decline_code: error?.decline_code,
        message: error?.message ?? 'Your card was declined.',
        payment_method: error?.payment_method,
        setup_intent: structuredClone(setupIntent),
      });
    }
  }

  routes.post('/v1/setup_intents', ({ body }) => {
    const params = parseParams(createSchema, body);
    const customer = params.customer ? store.require('customer', params.customer, 'customer') : null;
    if (params.return_url !== undefined && !params.confirm)
      throw ApiError.invalid('You can only specify `return_url` when `confirm` is true.', {
        param: 'return_url',
      });
    const method = params.payment_method
      ? usableMethod(null, customer?.id ?? null, params.payment_method)
      : null;
    const metadata = applyMetadata({}, params.metadata);
    const setupIntent = createSetupIntent(ctx, {
      customer: customer?.id ?? null,
      paymentMethod: method?.id ?? null,
      description: nullable(params.description) ?? null,
      metadata,
      usage: params.usage ?? 'off_session',
      allowedPaymentMethodTypes: params.allowed_payment_method_types ?? null,
      created: nowForCustomer(store, customer),
    });
    if (params.confirm) confirm(setupIntent, { payment_method: method?.id, return_url: params.return_url });
    return setupIntent;
  });

  routes.get('/v1/setup_intents/:id', ({ params }) => store.require('setup_intent', params.id));

  routes.post('/v1/setup_intents/:id', ({ params, body }) => {
    const input = parseParams(updateSchema, body);
    const setupIntent = store.require('setup_intent', params.id);
    if (
      (setupIntent.status === 'succeeded' || setupIntent.status === 'canceled') &&
      (input.payment_method !== undefined || input.customer !== undefined)
    ) {
      throw unexpectedState(
        `You cannot update this SetupIntent because it has a status of ${setupIntent.status}.`,
      );
    }
    if (input.customer !== undefined) {
      store.require('customer', input.customer, 'customer');
      if (setupIntent.customer && setupIntent.customer !== input.customer)
        throw ApiError.invalid('The customer of a SetupIntent cannot be changed once set.', {
          param: 'customer',
        });
    }
    const method = input.payment_method
      ? usableMethod(setupIntent, input.customer ?? null, input.payment_method)
      : undefined;
    // Checked before anything changes: metadata beyond Stripe's limits refuses the whole update.
    const metadata =
      input.metadata === undefined ? undefined : applyMetadata(setupIntent.metadata, input.metadata);
    // Like PaymentIntents, Stripe sends no event for an update.
    if (input.customer !== undefined) setupIntent.customer = input.customer;
    if (input.description !== undefined) setupIntent.description = nullable(input.description) ?? null;
    if (metadata !== undefined) setupIntent.metadata = metadata;
    if (input.allowed_payment_method_types !== undefined)
      setupIntent.allowed_payment_method_types = input.allowed_payment_method_types || null;
    if (method) {
      setupIntent.payment_method = method.id;
      setupIntent.status = 'requires_confirmation';
    }
    store.changed();
    return setupIntent;
  });

  routes.post('/v1/setup_intents/:id/confirm', ({ params, body }) => {
    const input = parseParams(z.strictObject({ ...confirmShape, client_secret: p.ignored() }), body);
    confirm(store.require('setup_intent', params.id), input);
    return store.require('setup_intent', params.id);
  });

  routes.post('/v1/setup_intents/:id/cancel', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        cancellation_reason: p.enum(['abandoned', 'duplicate', 'requested_by_customer']).optional(),
        expand: p.expand(),
      }),
      body,
    );
    const setupIntent = store.require('setup_intent', params.id);
    if (!CANCELABLE.includes(setupIntent.status)) {
      throw unexpectedState(
        `You cannot cancel this SetupIntent because it has a status of ${setupIntent.status}.`,
      );
    }
    const before = structuredClone(setupIntent);
    setupIntent.status = 'canceled';
    setupIntent.cancellation_reason = input.cancellation_reason ?? null;
    setupIntent.next_action = null;
    store.changed();
    events.emit('setup_intent.canceled', setupIntent, before);
    return setupIntent;
  });

  routes.get('/v1/setup_intents', ({ body }) =>
    listWith(
      body,
      {
        customer: z.string().optional(),
        payment_method: z.string().optional(),
        created: p.range().optional(),
        attach_to_self: p.ignored(),
      },
      '/v1/setup_intents',
      (filters) =>
        store
          .list('setup_intent')
          .filter((intent) => filters.customer === undefined || intent.customer === filters.customer)
          .filter(
            (intent) =>
              filters.payment_method === undefined || intent.payment_method === filters.payment_method,
          )
          .filter((intent) => inRange(intent.created, filters.created)),
    ),
  );
}
