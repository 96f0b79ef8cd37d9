import { z } from 'zod';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { expireCheckoutSession } from '../billing/checkout';
import { productName } from '../billing/invoice-build';
import { clockNow, DAY, HOUR, realNow } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { paginate } from '../http/pagination';
import { applyMetadata, p, paginationShape, parseParams } from '../http/params';
import { newPrice, newProduct } from '../objects/catalog';
import { newCheckoutLineItem, newCheckoutSession } from '../objects/sessions';
import type { CheckoutSessionExtras } from '../store/types';
import { listWith, nullable, paymentShippingOf, paymentShippingParams } from './shared';
import { trialSettingsParams } from './subscriptions';

const lineItemSchema = z.strictObject({
  price: z.string().optional(),
  quantity: p.integer().optional(),
  price_data: z
    .strictObject({
      currency: p.currency(),
      unit_amount: p.nonNegativeInteger(),
      product: z.string().optional(),
      product_data: z
        .strictObject({
          name: z.string(),
          description: p.ignored(),
          metadata: p.ignored(),
          images: p.ignored(),
        })
        .optional(),
      recurring: z
        .strictObject({
          interval: p.enum(['day', 'week', 'month', 'year']),
          interval_count: p.integer().optional(),
        })
        .optional(),
      tax_behavior: p.ignored(),
    })
    .optional(),
  adjustable_quantity: p.ignored(),
  tax_rates: p.ignored(),
  dynamic_tax_rates: p.ignored(),
});

const createSchema = z.strictObject({
  mode: p.enum(['payment', 'setup', 'subscription']),
  currency: p.currency().optional(),
  line_items: z.array(lineItemSchema).optional(),
  success_url: z.string().optional(),
  cancel_url: z.string().optional(),
  customer: z.string().optional(),
  customer_email: p.email().optional(),
  client_reference_id: z.string().optional(),
  metadata: p.metadata().optional(),
  expires_at: p.integer().optional(),
  customer_creation: p.enum(['always', 'if_required']).optional(),
  payment_method_collection: p.enum(['always', 'if_required']).optional(),
  subscription_data: z
    .strictObject({
      trial_period_days: p.integer().optional(),
      trial_end: p.integer().optional(),
      metadata: p.metadata().optional(),
      description: z.string().optional(),
      trial_settings: trialSettingsParams.optional(),
      billing_cycle_anchor: p.ignored(),
      proration_behavior: p.ignored(),
    })
    .optional(),
  payment_intent_data: z
    .strictObject({
      metadata: p.metadata().optional(),
      setup_future_usage: p.enum(['on_session', 'off_session']).optional(),
      description: z.string().optional(),
      capture_method: p.enum(['automatic', 'automatic_async', 'manual']).optional(),
      shipping: paymentShippingParams.optional(),
      receipt_email: p.email().optional(),
      statement_descriptor: z.string().optional(),
      statement_descriptor_suffix: z.string().optional(),
      transfer_group: z.string().optional(),
      // Connect: accepted, as Stripe does, but there are no connected accounts to pay.
      application_fee_amount: p.ignored(),
      on_behalf_of: p.ignored(),
      transfer_data: p.ignored(),
    })
    .optional(),
  setup_intent_data: z
    .strictObject({
      description: z.string().optional(),
      metadata: p.metadata().optional(),
      on_behalf_of: p.ignored(),
    })
    .optional(),
  payment_method_types: z.array(z.string()).optional(),
  allow_promotion_codes: p.ignored(),
  billing_address_collection: p.ignored(),
  automatic_tax: p.ignored(),
  tax_id_collection: p.ignored(),
  customer_update: p.ignored(),
  locale: p.ignored(),
  submit_type: p.ignored(),
  consent_collection: p.ignored(),
  custom_text: p.ignored(),
  phone_number_collection: p.ignored(),
  invoice_creation: p.ignored(),
  ui_mode: p.enum(['hosted']).optional(),
  expand: p.expand(),
});

type CreateParams = z.output<typeof createSchema>;
type LineItemInput = z.output<typeof lineItemSchema>;

/** What `payment_intent_data` asks of the PaymentIntent Checkout makes in payment mode. */
function paymentIntentDataOf(
  input: CreateParams['payment_intent_data'],
): CheckoutSessionExtras['paymentIntentData'] {
  return {
    metadata: applyMetadata({}, input?.metadata),
    setupFutureUsage: input?.setup_future_usage ?? null,
    description: input?.description ?? null,
    captureMethod: input?.capture_method ?? 'automatic',
    shipping: input?.shipping ? paymentShippingOf(input.shipping) : null,
    receiptEmail: nullable(input?.receipt_email) ?? null,
    statementDescriptor: nullable(input?.statement_descriptor) ?? null,
    statementDescriptorSuffix: nullable(input?.statement_descriptor_suffix) ?? null,
    transferGroup: nullable(input?.transfer_group) ?? null,
  };
}

/** Resolves `line_items[]` to stored prices; `price_data` creates an inline price (and product) as Stripe does. */
function resolveLineItems(
  ctx: Context,
  lines: LineItemInput[],
  mode: 'payment' | 'subscription',
): Array<{ price: Stripe.Price; quantity: number }> {
  return lines.map((line, index) => {
    let price: Stripe.Price;
    if (line.price) {
      price = ctx.store.require('price', line.price, `line_items[${index}][price]`);
    } else if (line.price_data) {
      const data = line.price_data;
      let productId = data.product;
      if (!productId) {
        if (!data.product_data)
          throw ApiError.parameterMissing(`line_items[${index}][price_data][product_data]`);
        productId = ctx.store.insert('product', newProductFromName(data.product_data.name)).id;
      }
      const recurring = data.recurring
        ? { interval: data.recurring.interval, intervalCount: data.recurring.interval_count ?? 1 }
        : null;
      price = ctx.store.insert(
        'price',
        newInlinePrice(productId, data.currency.toLowerCase(), data.unit_amount, recurring),
      );
    } else {
      throw ApiError.parameterMissing(`line_items[${index}][price]`);
    }
    if (!price.active)
      throw ApiError.invalid(`The price \`${price.id}\` is not active.`, {
        param: `line_items[${index}][price]`,
      });
    if (mode === 'payment' && price.type === 'recurring') {
      throw ApiError.invalid(
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
        { param: `line_items[${index}][price]` },
      );
    }
    const quantity = line.quantity ?? 1;
    if (quantity < 1)
      throw ApiError.parameterInvalid(`line_items[${index}][quantity]`, 'Quantity must be at least 1.');
    return { price, quantity };
  });
}

function newProductFromName(name: string): Stripe.Product {
  return newProduct({
    name,
    active: true,
    description: null,
    metadata: {},
    created: realNow(),
    unitLabel: null,
    statementDescriptor: null,
    url: null,
    images: [],
  });
}

function newInlinePrice(
  product: string,
  currency: string,
  unitAmount: number,
  recurring: { interval: Stripe.Price.Recurring.Interval; intervalCount: number } | null,
): Stripe.Price {
  return newPrice({
    product,
    currency,
    unitAmount,
    recurring: recurring ? { ...recurring, usageType: 'licensed', trialPeriodDays: null } : null,
    active: true,
    lookupKey: null,
    nickname: null,
    metadata: {},
    taxBehavior: 'unspecified',
    created: realNow(),
  });
}

/** The session's customer, if given; `customer` and `customer_email` exclude each other. */
function sessionCustomer(ctx: Context, params: CreateParams): Stripe.Customer | null {
  if (params.customer && params.customer_email) {
    throw ApiError.invalid('You may only specify one of these parameters: customer, customer_email.', {
      param: 'customer_email',
    });
  }
  return params.customer ? ctx.store.require('customer', params.customer, 'customer') : null;
}

function sessionExpiry(params: CreateParams, now: number): number {
  if (params.expires_at === undefined) return now + 24 * HOUR;
  if (params.expires_at < now + 30 * 60 || params.expires_at > now + DAY) {
    throw ApiError.parameterInvalid(
      'expires_at',
      'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
    );
  }
  return params.expires_at;
}

/** The fields every mode takes the same way from the create parameters. */
function commonSessionFields(
  ctx: Context,
  params: CreateParams,
  customer: Stripe.Customer | null,
  now: number,
) {
  return {
    customer: customer?.id ?? null,
    customerEmail: customer ? customer.email : (params.customer_email ?? null),
    clientReferenceId: params.client_reference_id ?? null,
    metadata: applyMetadata({}, params.metadata),
    successUrl: params.success_url ?? null,
    cancelUrl: params.cancel_url ?? null,
    created: now,
    expiresAt: sessionExpiry(params, now),
    publicUrl: ctx.publicUrl,
  };
}

/**
 * A `setup` mode session collects a card without charging it: no line items, no amounts, and on
 * completion a SetupIntent (`session.setup_intent`) that saves the card, to the customer when there is one.
 */
function createSetupSession(ctx: Context, params: CreateParams): Stripe.Checkout.Session {
  for (const param of ['line_items', 'subscription_data', 'payment_intent_data'] as const) {
    if (params[param] !== undefined)
      throw ApiError.invalid(`You can not pass \`${param}\` in \`setup\` mode.`, { param });
  }
  if (!params.success_url) throw ApiError.parameterMissing('success_url');
  if (!params.currency && !params.payment_method_types)
    throw ApiError.invalid(
      '`currency` is required in `setup` mode when `allowed_payment_method_types` is not set.',
      { param: 'currency' },
    );
  const customer = sessionCustomer(ctx, params);
  const now = realNow();
  const setupMetadata = applyMetadata({}, params.setup_intent_data?.metadata);
  const session = newCheckoutSession({
    mode: 'setup',
    currency: params.currency ?? null,
    amountSubtotal: null,
    amountTotal: null,
    ...commonSessionFields(ctx, params, customer, now),
    customerCreation: params.customer_creation ?? 'if_required',
    paymentMethodCollection: null,
  });
  session.payment_status = 'no_payment_required';
  ctx.store.extras.checkoutSessions[session.id] = {
    lineItems: [],
    subscriptionData: { trialPeriodDays: null, trialEnd: null, metadata: {}, description: null },
    paymentIntentData: paymentIntentDataOf(undefined),
    setupIntentData: {
      description: nullable(params.setup_intent_data?.description) ?? null,
      metadata: setupMetadata,
    },
    customerCreation: params.customer_creation ?? 'if_required',
  };
  return ctx.store.insert('checkout.session', session);
}

export function registerCheckoutSessions(routes: ApiRoutes, ctx: Context): void {
  const { store } = ctx;

  routes.post('/v1/checkout/sessions', ({ body }) => {
    const params = parseParams(createSchema, body);
    if (params.mode === 'setup') return createSetupSession(ctx, params);
    if (params.setup_intent_data !== undefined)
      throw ApiError.invalid('You can only pass `setup_intent_data` in `setup` mode.', {
        param: 'setup_intent_data',
      });
    if (!params.line_items || params.line_items.length === 0) {
      throw ApiError.parameterMissing('line_items');
    }
    if (!params.success_url) throw ApiError.parameterMissing('success_url');
    const customer = sessionCustomer(ctx, params);
    const lines = resolveLineItems(ctx, params.line_items, params.mode);
    const currency = lines[0].price.currency;
    if (lines.some((line) => line.price.currency !== currency))
      throw ApiError.invalid('All line items must have the same currency.', { param: 'line_items' });
    if (params.mode === 'subscription' && !lines.some((line) => line.price.type === 'recurring')) {
      throw ApiError.invalid(
        'You must provide at least one recurring price in `subscription` mode when using prices.',
        { param: 'line_items' },
      );
    }
    const subtotal = lines.reduce((sum, line) => sum + (line.price.unit_amount ?? 0) * line.quantity, 0);
    const trialDays = params.subscription_data?.trial_period_days ?? null;
    const trial =
      params.mode === 'subscription' &&
      (trialDays !== null || params.subscription_data?.trial_end !== undefined);
    const now = realNow();
    // Stripe's rules for a trial started by Checkout, on the customer's clock when it has one.
    const trialNow = customer?.test_clock ? clockNow(store, customer.test_clock as string) : now;
    if (trialDays !== null && trialDays < 1)
      throw ApiError.parameterInvalid(
        'subscription_data[trial_period_days]',
        'The minimum number of trial period days is 1.',
      );
    const trialEnd = params.subscription_data?.trial_end;
    if (trialEnd !== undefined && trialEnd < trialNow + 2 * DAY)
      throw ApiError.parameterInvalid(
        'subscription_data[trial_end]',
        'The `trial_end` date has to be at least 2 days in the future.',
      );
    const session = newCheckoutSession({
      mode: params.mode,
      currency,
      amountSubtotal: subtotal,
      amountTotal: trial ? 0 : subtotal,
      ...commonSessionFields(ctx, params, customer, now),
      customerCreation: params.mode === 'payment' ? (params.customer_creation ?? 'if_required') : null,
      paymentMethodCollection:
        params.mode === 'subscription' ? (params.payment_method_collection ?? 'always') : null,
    });
    store.extras.checkoutSessions[session.id] = {
      lineItems: lines.map((line) =>
        newCheckoutLineItem(line.price, line.quantity, productName(ctx, line.price)),
      ),
      subscriptionData: {
        trialPeriodDays: trialDays,
        trialEnd: params.subscription_data?.trial_end ?? null,
        metadata: applyMetadata({}, params.subscription_data?.metadata),
        description: params.subscription_data?.description ?? null,
        missingPaymentMethod: params.subscription_data?.trial_settings?.end_behavior.missing_payment_method,
      },
      paymentIntentData: paymentIntentDataOf(params.payment_intent_data),
      customerCreation: params.customer_creation ?? 'if_required',
    };
    return store.insert('checkout.session', session);
  });

  routes.get('/v1/checkout/sessions/:id', ({ params }) => store.require('checkout.session', params.id));

  routes.post('/v1/checkout/sessions/:id', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({ metadata: p.metadata().optional(), expand: p.expand() }),
      body,
    );
    const session = store.require('checkout.session', params.id);
    if (input.metadata !== undefined) session.metadata = applyMetadata(session.metadata, input.metadata);
    store.changed();
    return session;
  });

  routes.post('/v1/checkout/sessions/:id/expire', ({ params, body }) => {
    parseParams(z.strictObject({ expand: p.expand() }), body);
    const session = store.require('checkout.session', params.id);
    if (session.status !== 'open') {
      throw ApiError.invalid(
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
        { code: 'checkout_session_not_open' },
      );
    }
    expireCheckoutSession(ctx, session);
    return session;
  });

  routes.get('/v1/checkout/sessions/:id/line_items', ({ params, body }) => {
    store.require('checkout.session', params.id);
    const page = parseParams(z.strictObject(paginationShape), body);
    const lines = [...(store.extras.checkoutSessions[params.id]?.lineItems ?? [])];
    return paginate(lines, page, `/v1/checkout/sessions/${params.id}/line_items`);
  });

  routes.get('/v1/checkout/sessions', ({ body }) =>
    listWith(
      body,
      {
        customer: z.string().optional(),
        payment_intent: z.string().optional(),
        subscription: z.string().optional(),
        status: z.string().optional(),
        created: p.ignored(),
      },
      '/v1/checkout/sessions',
      (filters) =>
        store
          .list('checkout.session')
          .filter((session) => filters.customer === undefined || session.customer === filters.customer)
          .filter(
            (session) =>
              filters.payment_intent === undefined || session.payment_intent === filters.payment_intent,
          )
          .filter(
            (session) => filters.subscription === undefined || session.subscription === filters.subscription,
          )
          .filter((session) => filters.status === undefined || session.status === filters.status),
    ),
  );
}
