import { z } from 'zod';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { nowForCustomer } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { applyMetadata, inRange, p, parseParams } from '../http/params';
import { newPaymentIntent } from '../objects/payments';
import { captureAuthorization, releaseAuthorization } from '../payments/capture';
import { cardError, confirmPaymentIntent } from '../payments/confirm';
import { resolvePaymentMethod } from '../payments/payment-methods';
import { listWith, nullable, paymentShippingOf, paymentShippingParams } from './shared';

const confirmShape = {
  payment_method: z.string().optional(),
  off_session: z.union([p.boolean(), p.enum(['one_off', 'recurring'])]).optional(),
  return_url: z.string().optional(),
  setup_future_usage: z.union([z.literal(''), p.enum(['on_session', 'off_session'])]).optional(),
  receipt_email: z.string().optional(),
  mandate_data: p.ignored(),
  payment_method_options: p.ignored(),
  payment_method_types: p.ignored(),
  use_stripe_sdk: p.ignored(),
  error_on_requires_action: p.ignored(),
  expand: p.expand(),
};

const createSchema = z.strictObject({
  ...confirmShape,
  amount: p.nonNegativeInteger(),
  currency: p.currency(),
  customer: z.string().optional(),
  confirm: p.boolean().optional(),
  description: z.string().optional(),
  metadata: p.metadata().optional(),
  capture_method: p.enum(['automatic', 'automatic_async', 'manual']).optional(),
  automatic_payment_methods: p.ignored(),
  statement_descriptor: p.ignored(),
  statement_descriptor_suffix: p.ignored(),
  shipping: paymentShippingParams.optional(),
  confirmation_method: p.ignored(),
});

const MINIMUM_AMOUNT = 50;

/** Stripe's minimum charge (50 cents in USD), for the amount of a payment and the amount of a capture. */
function assertMinimumAmount(amount: number, param: string): void {
  if (amount < MINIMUM_AMOUNT) {
    throw ApiError.invalid('Amount must be at least $0.50 usd', { param, code: 'amount_too_small' });
  }
}

export function registerPaymentIntents(routes: ApiRoutes, ctx: Context): void {
  const { store, events } = ctx;

  /** Confirms, answering a decline with Stripe's 402 card error (the intent is updated either way). */
  function confirm(
    intent: Stripe.PaymentIntent,
    input: { payment_method?: string; off_session?: boolean | string; return_url?: string },
  ): void {
    if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(intent.status)) {
      throw ApiError.invalid(`This PaymentIntent's status is ${intent.status}, so it cannot be confirmed.`, {
        code: 'payment_intent_unexpected_state',
      });
    }
    const methodId = input.payment_method ?? (intent.payment_method as string | null);
    if (!methodId) {
      throw ApiError.invalid(
        "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with cus_..., specify a payment method attached to this customer along with the customer ID.",
        {
          code: 'payment_intent_unexpected_state',
          param: 'payment_method',
        },
      );
    }
    const method = resolvePaymentMethod(ctx, methodId);
    if (method.customer && intent.customer && method.customer !== intent.customer) {
      throw ApiError.invalid(`The provided PaymentMethod belongs to another customer.`, {
        param: 'payment_method',
      });
    }
    const offSession = input.off_session !== undefined && input.off_session !== false;
    if (offSession && !intent.customer)
      throw ApiError.invalid('off_session can only be used with a customer.', { param: 'off_session' });
    const { outcome } = confirmPaymentIntent(ctx, intent, {
      paymentMethod: method,
      offSession,
      returnUrl: input.return_url ?? null,
    });
    if (outcome.kind === 'declined') throw cardError(intent);
  }

  routes.post('/v1/payment_intents', ({ body }) => {
    const params = parseParams(createSchema, body);
    assertMinimumAmount(params.amount, 'amount');
    const customer = params.customer ? store.require('customer', params.customer, 'customer') : null;
    if (params.off_session !== undefined && !params.confirm)
      throw ApiError.invalid('off_session can only be used when confirm=true.', { param: 'off_session' });
    const method = params.payment_method ? resolvePaymentMethod(ctx, params.payment_method) : null;
    const intent = newPaymentIntent({
      amount: params.amount,
      currency: params.currency.toLowerCase(),
      customer: customer?.id ?? null,
      paymentMethod: method?.id ?? null,
      description: nullable(params.description) ?? null,
      metadata: applyMetadata({}, params.metadata),
      setupFutureUsage: params.setup_future_usage || null,
      receiptEmail: nullable(params.receipt_email) ?? null,
      captureMethod: params.capture_method ?? 'automatic',
      created: nowForCustomer(store, customer),
      shipping: params.shipping ? paymentShippingOf(params.shipping) : null,
    });
    store.insert('payment_intent', intent);
    events.emit('payment_intent.created', intent);
    if (params.confirm) confirm(intent, { ...params, payment_method: method?.id });
    return intent;
  });

  routes.get('/v1/payment_intents/:id', ({ params }) => store.require('payment_intent', params.id));

  routes.post('/v1/payment_intents/:id', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        amount: p.nonNegativeInteger().optional(),
        description: z.string().optional(),
        metadata: p.metadata().optional(),
        payment_method: z.string().optional(),
        receipt_email: z.string().optional(),
        setup_future_usage: z.union([z.literal(''), p.enum(['on_session', 'off_session'])]).optional(),
        shipping: z.union([z.literal(''), paymentShippingParams]).optional(),
        expand: p.expand(),
      }),
      body,
    );
    const intent = store.require('payment_intent', params.id);
    if (['succeeded', 'canceled', 'requires_capture'].includes(intent.status)) {
      if (input.amount !== undefined || input.payment_method !== undefined) {
        throw ApiError.invalid(
          `This PaymentIntent's amount could not be updated because it has a status of ${intent.status}.`,
          { code: 'payment_intent_unexpected_state' },
        );
      }
    }
    const method = input.payment_method ? resolvePaymentMethod(ctx, input.payment_method) : undefined;
    // Stripe has no payment_intent.updated event; an update is only visible on the next retrieve.
    const target = intent;
    {
      if (input.amount !== undefined) target.amount = input.amount;
      if (input.description !== undefined) target.description = nullable(input.description) ?? null;
      if (input.metadata !== undefined) target.metadata = applyMetadata(target.metadata, input.metadata);
      if (method) {
        target.payment_method = method.id;
        target.status = 'requires_confirmation';
      }
      if (input.receipt_email !== undefined) target.receipt_email = nullable(input.receipt_email) ?? null;
      if (input.setup_future_usage !== undefined)
        target.setup_future_usage = input.setup_future_usage || null;
      if (input.shipping !== undefined)
        target.shipping = input.shipping === '' ? null : paymentShippingOf(input.shipping);
    }
    store.changed();
    return intent;
  });

  routes.post('/v1/payment_intents/:id/confirm', ({ params, body }) => {
    const input = parseParams(z.strictObject(confirmShape), body);
    const intent = store.require('payment_intent', params.id);
    if (input.setup_future_usage !== undefined) intent.setup_future_usage = input.setup_future_usage || null;
    confirm(intent, input);
    return intent;
  });

  routes.post('/v1/payment_intents/:id/cancel', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        cancellation_reason: p
          .enum(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'])
          .optional(),
        expand: p.expand(),
      }),
      body,
    );
    const intent = store.require('payment_intent', params.id);
    if (intent.status === 'succeeded' || intent.status === 'canceled') {
      throw ApiError.invalid(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`,
        { code: 'payment_intent_unexpected_state' },
      );
    }
    const before = structuredClone(intent);
    if (intent.status === 'requires_capture') releaseAuthorization(ctx, intent);
    intent.status = 'canceled';
    intent.canceled_at = nowForCustomer(store, intent.customer as string | null);
    intent.cancellation_reason = input.cancellation_reason ?? null;
    intent.next_action = null;
    store.changed();
    events.emit('payment_intent.canceled', intent, before);
    return intent;
  });

  routes.post('/v1/payment_intents/:id/capture', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        amount_to_capture: p.nonNegativeInteger().optional(),
        metadata: p.metadata().optional(),
        final_capture: p.ignored(),
        application_fee_amount: p.ignored(),
        statement_descriptor: p.ignored(),
        statement_descriptor_suffix: p.ignored(),
        transfer_data: p.ignored(),
        expand: p.expand(),
      }),
      body,
    );
    const intent = store.require('payment_intent', params.id);
    if (intent.status !== 'requires_capture') {
      throw ApiError.invalid(
        `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
        { code: 'payment_intent_unexpected_state' },
      );
    }
    const amount = input.amount_to_capture ?? intent.amount_capturable;
    if (amount > intent.amount_capturable) {
      throw ApiError.invalid(
        `The amount_to_capture (${amount}) must be less than or equal to the PaymentIntent's amount_capturable (${intent.amount_capturable}).`,
        { param: 'amount_to_capture', code: 'amount_too_large' },
      );
    }
    assertMinimumAmount(amount, 'amount_to_capture');
    // Checked before the capture so that metadata over Stripe's limits changes nothing.
    const metadata = applyMetadata(intent.metadata, input.metadata);
    intent.metadata = metadata;
    captureAuthorization(ctx, intent, amount);
    return intent;
  });

  routes.get('/v1/payment_intents', ({ body }) =>
    listWith(
      body,
      { customer: z.string().optional(), created: p.range().optional() },
      '/v1/payment_intents',
      (filters) =>
        store
          .list('payment_intent')
          .filter((intent) => filters.customer === undefined || intent.customer === filters.customer)
          .filter((intent) => inRange(intent.created, filters.created)),
    ),
  );
}
