import { z } from 'zod';
import type { Context } from '../context';
import { resumeSubscription } from '../billing/subscription-resume';
import { updateSubscription, type ItemChange } from '../billing/subscription-update';
import { cancelSubscription, createSubscription } from '../billing/subscriptions';
import { nowForCustomer } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { applyMetadata, inRange, p, parseParams } from '../http/params';
import { searchWith } from '../http/search';
import { listWith, nullable, subscriptionItemParams } from './shared';

const prorationBehavior = p.enum(['create_prorations', 'none', 'always_invoice']);
const paymentBehavior = p.enum([
  'allow_incomplete',
  'default_incomplete',
  'error_if_incomplete',
  'pending_if_incomplete',
]);

export const trialSettingsParams = z.strictObject({
  end_behavior: z.strictObject({ missing_payment_method: p.enum(['cancel', 'create_invoice', 'pause']) }),
});

const createSchema = z.strictObject({
  customer: z.string(),
  items: z.array(subscriptionItemParams),
  trial_period_days: p.integer().optional(),
  trial_end: p.timestampOrNow().optional(),
  trial_from_plan: p.boolean().optional(),
  trial_settings: trialSettingsParams.optional(),
  default_payment_method: z.string().optional(),
  metadata: p.metadata().optional(),
  description: z.string().optional(),
  payment_behavior: paymentBehavior.optional(),
  collection_method: p.enum(['charge_automatically', 'send_invoice']).optional(),
  days_until_due: p.integer().optional(),
  cancel_at_period_end: p.boolean().optional(),
  cancel_at: p.integer().optional(),
  off_session: p.boolean().optional(),
  proration_behavior: prorationBehavior.optional(),
  payment_settings: z
    .strictObject({
      save_default_payment_method: p.enum(['off', 'on_subscription']).optional(),
      payment_method_types: p.ignored(),
      payment_method_options: p.ignored(),
    })
    .optional(),
  automatic_tax: p.ignored(),
  default_tax_rates: p.ignored(),
  discounts: p.ignored(),
  billing_mode: p.ignored(),
  expand: p.expand(),
});

const updateSchema = z.strictObject({
  items: z.array(subscriptionItemParams).optional(),
  proration_behavior: prorationBehavior.optional(),
  proration_date: p.integer().optional(),
  cancel_at_period_end: p.boolean().optional(),
  cancel_at: z.union([z.literal(''), p.integer()]).optional(),
  trial_end: p.timestampOrNow().optional(),
  trial_settings: trialSettingsParams.optional(),
  metadata: p.metadata().optional(),
  default_payment_method: z.string().optional(),
  description: z.string().optional(),
  payment_behavior: paymentBehavior.optional(),
  off_session: p.boolean().optional(),
  cancellation_details: z
    .strictObject({ comment: z.string().optional(), feedback: z.string().optional() })
    .optional(),
  billing_cycle_anchor: p.enum(['unchanged']).optional(),
  payment_settings: p.ignored(),
  automatic_tax: p.ignored(),
  default_tax_rates: p.ignored(),
  discounts: p.ignored(),
  expand: p.expand(),
});

export function registerSubscriptions(routes: ApiRoutes, ctx: Context): void {
  const { store } = ctx;

  function resolveItems(items: z.output<typeof subscriptionItemParams>[]): ItemChange[] {
    return items.map((item, index) => ({
      id: item.id,
      price: item.price ? store.require('price', item.price, `items[${index}][price]`) : undefined,
      quantity: item.quantity,
      deleted: item.deleted,
      metadata: item.metadata,
    }));
  }

  function checkPaymentMethod(methodId: string | undefined, customerId: string): void {
    if (!methodId) return;
    const method = store.require('payment_method', methodId, 'default_payment_method');
    if (method.customer !== customerId) {
      throw ApiError.invalid(
        `The customer does not have a payment method with the ID ${methodId}. The payment method must be attached to the customer.`,
        { param: 'default_payment_method' },
      );
    }
  }

  routes.post('/v1/subscriptions', ({ body }) => {
    const params = parseParams(createSchema, body);
    const customer = store.require('customer', params.customer, 'customer');
    checkPaymentMethod(params.default_payment_method, customer.id);
    const items = params.items.map((item, index) => {
      if (!item.price) throw ApiError.parameterMissing(`items[${index}][price]`);
      return {
        price: store.require('price', item.price, `items[${index}][price]`),
        quantity: item.quantity ?? 1,
        metadata: applyMetadata({}, item.metadata),
      };
    });
    const trialFromPlan = params.trial_from_plan
      ? (items[0]?.price.recurring?.trial_period_days ?? null)
      : null;
    return createSubscription(ctx, {
      customer,
      items,
      trialPeriodDays: params.trial_period_days ?? trialFromPlan,
      trialEnd: params.trial_end,
      defaultPaymentMethod: params.default_payment_method ?? null,
      metadata: applyMetadata({}, params.metadata),
      description: nullable(params.description) ?? null,
      paymentBehavior: params.payment_behavior ?? 'allow_incomplete',
      collectionMethod: params.collection_method ?? 'charge_automatically',
      daysUntilDue: params.days_until_due ?? null,
      cancelAtPeriodEnd: params.cancel_at_period_end,
      cancelAt: params.cancel_at,
      missingPaymentMethod: params.trial_settings?.end_behavior.missing_payment_method,
      saveDefaultPaymentMethod: params.payment_settings?.save_default_payment_method ?? 'off',
    });
  });

  // Before `/v1/subscriptions/:id`, which would take "search" for an id.
  routes.get('/v1/subscriptions/search', ({ body }) =>
    searchWith(body, '/v1/subscriptions/search', store.list('subscription'), {
      status: (subscription) => subscription.status,
      created: (subscription) => subscription.created,
    }),
  );

  routes.get('/v1/subscriptions/:id', ({ params }) => store.require('subscription', params.id));

  routes.post('/v1/subscriptions/:id', ({ params, body }) => {
    const input = parseParams(updateSchema, body);
    const subscription = store.require('subscription', params.id);
    const defaultPaymentMethod = nullable(input.default_payment_method);
    checkPaymentMethod(defaultPaymentMethod ?? undefined, subscription.customer as string);
    updateSubscription(ctx, subscription, {
      items: input.items ? resolveItems(input.items) : undefined,
      prorationBehavior: input.proration_behavior ?? 'create_prorations',
      prorationDate: input.proration_date,
      cancelAtPeriodEnd: input.cancel_at_period_end,
      cancelAt: input.cancel_at === undefined ? undefined : input.cancel_at === '' ? null : input.cancel_at,
      trialEnd: input.trial_end,
      trialSettings: input.trial_settings
        ? {
            end_behavior: {
              billing_cycle_anchor: subscription.trial_settings?.end_behavior.billing_cycle_anchor ?? 'now',
              missing_payment_method: input.trial_settings.end_behavior.missing_payment_method,
            },
          }
        : undefined,
      metadata: input.metadata,
      defaultPaymentMethod,
      description: nullable(input.description),
      cancellationDetails: input.cancellation_details
        ? {
            comment: nullable(input.cancellation_details.comment),
            feedback: nullable(input.cancellation_details.feedback) as never,
          }
        : undefined,
    });
    return subscription;
  });

  routes.delete('/v1/subscriptions/:id', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        invoice_now: p.boolean().optional(),
        prorate: p.boolean().optional(),
        cancellation_details: z
          .strictObject({ comment: z.string().optional(), feedback: z.string().optional() })
          .optional(),
        expand: p.expand(),
      }),
      body,
    );
    const subscription = store.require('subscription', params.id);
    cancelSubscription(ctx, subscription, {
      invoiceNow: input.invoice_now ?? false,
      prorate: input.prorate ?? false,
      comment: nullable(input.cancellation_details?.comment),
      feedback: nullable(input.cancellation_details?.feedback) as never,
    });
    return subscription;
  });

  routes.post('/v1/subscriptions/:id/resume', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        billing_cycle_anchor: z.strictObject({ type: p.enum(['now', 'unchanged']) }).optional(),
        payment_behavior: p.enum(['resume_on_payment_attempt', 'resume_on_payment_success']).optional(),
        proration_behavior: prorationBehavior.optional(),
        proration_date: p.integer().optional(),
        expand: p.expand(),
      }),
      body,
    );
    const subscription = store.require('subscription', params.id);
    resumeSubscription(
      ctx,
      subscription,
      {
        billingCycleAnchor: input.billing_cycle_anchor?.type ?? 'now',
        prorationBehavior: input.proration_behavior ?? 'create_prorations',
        prorationDate: input.proration_date,
        paymentBehavior: input.payment_behavior ?? 'resume_on_payment_attempt',
      },
      nowForCustomer(store, subscription.customer as string),
    );
    return subscription;
  });

  routes.get('/v1/subscriptions', ({ body }) =>
    listWith(
      body,
      {
        customer: z.string().optional(),
        status: z.string().optional(),
        price: z.string().optional(),
        test_clock: z.string().optional(),
        created: p.range().optional(),
        collection_method: z.string().optional(),
        current_period_end: p.ignored(),
        current_period_start: p.ignored(),
        automatic_tax: p.ignored(),
      },
      '/v1/subscriptions',
      (filters) =>
        store
          .list('subscription')
          .filter(
            (subscription) => filters.customer === undefined || subscription.customer === filters.customer,
          )
          // Like Stripe, canceled subscriptions are only listed when asked for by status (or `all`).
          .filter((subscription) =>
            filters.status === undefined
              ? subscription.status !== 'canceled' && subscription.status !== 'incomplete_expired'
              : filters.status === 'all' || subscription.status === filters.status,
          )
          .filter(
            (subscription) =>
              filters.price === undefined ||
              subscription.items.data.some((item) => item.price.id === filters.price),
          )
          .filter(
            (subscription) =>
              filters.test_clock === undefined || subscription.test_clock === filters.test_clock,
          )
          .filter(
            (subscription) =>
              filters.collection_method === undefined ||
              subscription.collection_method === filters.collection_method,
          )
          .filter((subscription) => inRange(subscription.created, filters.created)),
    ),
  );

  routes.get('/v1/subscription_items', ({ body }) =>
    listWith(body, { subscription: z.string() }, '/v1/subscription_items', (filters) => [
      ...store.require('subscription', filters.subscription, 'subscription').items.data,
    ]),
  );
}
