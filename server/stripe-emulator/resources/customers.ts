import type Stripe from 'stripe';
import { z } from 'zod';
import type { Context } from '../context';
import { cancelSubscriptionNow } from '../billing/subscription-status';
import { clockNow, realNow } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { applyMetadata, inRange, p, parseParams } from '../http/params';
import { searchWith } from '../http/search';
import { newCustomer } from '../objects/customer';
import { assertAttachable, attachPaymentMethod, resolvePaymentMethod } from '../payments/payment-methods';
import { addressOf, addressParams, listWith, markDeleted, nullable, retrieveOrDeleted } from './shared';

const invoiceSettings = z.strictObject({
  default_payment_method: z.string().optional(),
  custom_fields: p.ignored(),
  footer: p.ignored(),
  rendering_options: p.ignored(),
});

/** The address, shipping, languages and tax status a create or update sets ('' unsets). */
function contactDetails(input: z.infer<typeof updateSchema>): Partial<Stripe.Customer> {
  return {
    ...(input.address !== undefined && { address: input.address === '' ? null : addressOf(input.address) }),
    ...(input.shipping !== undefined && {
      shipping:
        input.shipping === ''
          ? null
          : {
              name: input.shipping.name,
              phone: input.shipping.phone ?? null,
              address: addressOf(input.shipping.address),
            },
    }),
    ...(input.preferred_locales !== undefined && {
      preferred_locales: input.preferred_locales === '' ? [] : input.preferred_locales,
    }),
    ...(input.tax_exempt !== undefined && { tax_exempt: input.tax_exempt }),
  };
}

const common = {
  email: p.email().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  phone: z.string().optional(),
  metadata: p.metadata().optional(),
  balance: p.integer().optional(),
  invoice_settings: invoiceSettings.optional(),
  expand: p.expand(),
  address: z.union([z.literal(''), addressParams]).optional(),
  shipping: z
    .union([
      z.literal(''),
      z.strictObject({ name: z.string(), address: addressParams, phone: z.string().optional() }),
    ])
    .optional(),
  preferred_locales: z.union([z.literal(''), z.array(z.string())]).optional(),
  tax: p.ignored(),
  tax_exempt: p.enum(['none', 'exempt', 'reverse']).optional(),
  invoice_prefix: p.ignored(),
};

const createSchema = z.strictObject({
  ...common,
  payment_method: z.string().optional(),
  test_clock: z.string().optional(),
  tax_id_data: p.ignored(),
});
const updateSchema = z.strictObject({ ...common, default_source: p.ignored() });

function checkDefaultPaymentMethod(
  ctx: Context,
  methodId: string | null | undefined,
  customerId: string,
): void {
  if (!methodId) return;
  const method = ctx.store.require('payment_method', methodId, 'invoice_settings[default_payment_method]');
  if (method.customer !== customerId) {
    throw ApiError.invalid(
      `No such PaymentMethod: '${methodId}'; It's possible this PaymentMethod exists on one of your connected accounts, in which case you should retry this request on that connected account.`,
      {
        param: 'invoice_settings[default_payment_method]',
        code: 'resource_missing',
      },
    );
  }
}

export function registerCustomers(routes: ApiRoutes, ctx: Context): void {
  const { store, events } = ctx;

  routes.post('/v1/customers', ({ body }) => {
    const params = parseParams(createSchema, body);
    if (params.test_clock) store.require('test_helpers.test_clock', params.test_clock, 'test_clock');
    // A card that will be refused refuses the whole request before the customer exists.
    const method = params.payment_method ? resolvePaymentMethod(ctx, params.payment_method) : null;
    if (method) assertAttachable(ctx, method);
    const customer = newCustomer({
      email: nullable(params.email) ?? null,
      name: nullable(params.name) ?? null,
      description: nullable(params.description) ?? null,
      phone: nullable(params.phone) ?? null,
      metadata: applyMetadata({}, params.metadata),
      testClock: params.test_clock ?? null,
      defaultPaymentMethod: null,
      created: params.test_clock ? clockNow(store, params.test_clock) : realNow(),
    });
    customer.balance = params.balance ?? 0;
    Object.assign(customer, contactDetails(params));
    store.insert('customer', customer);
    events.emit('customer.created', customer);
    if (method) attachPaymentMethod(ctx, method, customer.id);
    const requestedDefault = nullable(params.invoice_settings?.default_payment_method);
    // Naming the `payment_method` again as the default means the card just attached, also when it was
    // given as a test token (`pm_card_visa`), which makes a new PaymentMethod each time it is used.
    const defaultMethod = method && requestedDefault === params.payment_method ? method.id : requestedDefault;
    if (defaultMethod) {
      checkDefaultPaymentMethod(ctx, defaultMethod, customer.id);
      events.update('customer.updated', customer, (c) => {
        c.invoice_settings.default_payment_method = defaultMethod;
      });
    }
    return customer;
  });

  // Before `/v1/customers/:id`, which would take "search" for an id.
  routes.get('/v1/customers/search', ({ body }) =>
    searchWith(body, '/v1/customers/search', store.list('customer'), {
      email: (customer) => customer.email,
      name: (customer) => customer.name,
      phone: (customer) => customer.phone,
      created: (customer) => customer.created,
    }),
  );

  routes.get('/v1/customers/:id', ({ params }) => retrieveOrDeleted(ctx, 'customer', params.id));

  routes.post('/v1/customers/:id', ({ params, body }) => {
    const input = parseParams(updateSchema, body);
    const customer = store.require('customer', params.id);
    const defaultMethod = nullable(input.invoice_settings?.default_payment_method);
    checkDefaultPaymentMethod(ctx, defaultMethod, customer.id);
    // Checked before anything changes: metadata beyond Stripe's limits refuses the whole update.
    const metadata =
      input.metadata === undefined ? undefined : applyMetadata(customer.metadata, input.metadata);
    events.update('customer.updated', customer, (c) => {
      if (input.email !== undefined) c.email = nullable(input.email) ?? null;
      if (input.name !== undefined) c.name = nullable(input.name) ?? null;
      if (input.description !== undefined) c.description = nullable(input.description) ?? null;
      if (input.phone !== undefined) c.phone = nullable(input.phone) ?? null;
      if (input.balance !== undefined) c.balance = input.balance;
      if (metadata !== undefined) c.metadata = metadata;
      Object.assign(c, contactDetails(input));
      if (defaultMethod !== undefined) c.invoice_settings.default_payment_method = defaultMethod;
    });
    return customer;
  });

  routes.delete('/v1/customers/:id', ({ params }) => {
    const customer = store.require('customer', params.id);
    for (const subscription of store.list('subscription')) {
      if (
        subscription.customer === customer.id &&
        !['canceled', 'incomplete_expired'].includes(subscription.status)
      ) {
        cancelSubscriptionNow(ctx, subscription, { reason: 'cancellation_requested' });
      }
    }
    events.emit('customer.deleted', customer);
    return markDeleted(ctx, 'customer', customer.id);
  });

  routes.get('/v1/customers', ({ body }) =>
    listWith(
      body,
      { email: z.string().optional(), created: p.range().optional(), test_clock: z.string().optional() },
      '/v1/customers',
      (filters) =>
        store
          .list('customer')
          .filter((customer) => filters.email === undefined || customer.email === filters.email)
          .filter((customer) => inRange(customer.created, filters.created))
          .filter(
            (customer) => filters.test_clock === undefined || customer.test_clock === filters.test_clock,
          ),
    ),
  );

  routes.get('/v1/customers/:id/payment_methods', ({ params, body }) => {
    store.require('customer', params.id);
    return listWith(
      body,
      { type: z.string().optional(), allow_redisplay: p.ignored() },
      `/v1/customers/${params.id}/payment_methods`,
      (filters) =>
        store
          .list('payment_method')
          .filter(
            (method) =>
              method.customer === params.id && (filters.type === undefined || method.type === filters.type),
          ),
    );
  });

  routes.get('/v1/customers/:customer/payment_methods/:id', ({ params }) => {
    const method = store.require('payment_method', params.id);
    if (method.customer !== params.customer) throw ApiError.missing('PaymentMethod', params.id);
    return method;
  });
}
