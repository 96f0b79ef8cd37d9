import { z } from 'zod';
import type { Context } from '../context';
import { createDraftInvoice } from '../billing/invoice-build';
import {
  collectInvoice,
  finalizeInvoice,
  markInvoicePaid,
  markUncollectible,
  voidInvoice,
} from '../billing/invoice-lifecycle';
import { previewInvoice } from '../billing/preview';
import type { ItemChange } from '../billing/subscription-update';
import { HOUR, nowForCustomer } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { paginate } from '../http/pagination';
import { applyMetadata, inRange, p, paginationShape, parseParams } from '../http/params';
import { cardError } from '../payments/confirm';
import { resolvePaymentMethod } from '../payments/payment-methods';
import { listWith, markDeleted, nullable, subscriptionItemParams } from './shared';

const previewSchema = z.strictObject({
  customer: z.string().optional(),
  subscription: z.string().optional(),
  subscription_details: z
    .strictObject({
      items: z.array(subscriptionItemParams).optional(),
      proration_date: p.integer().optional(),
      proration_behavior: p.enum(['create_prorations', 'none', 'always_invoice']).optional(),
      cancel_at_period_end: p.ignored(),
      trial_end: p.ignored(),
      billing_cycle_anchor: p.ignored(),
      default_tax_rates: p.ignored(),
    })
    .optional(),
  automatic_tax: p.ignored(),
  customer_details: p.ignored(),
  discounts: p.ignored(),
  invoice_items: p.ignored(),
  preview_mode: p.ignored(),
  expand: p.expand(),
});

export function registerInvoices(routes: ApiRoutes, ctx: Context): void {
  const { store, events } = ctx;

  routes.post('/v1/invoices', ({ body }) => {
    const params = parseParams(
      z.strictObject({
        customer: z.string(),
        subscription: z.string().optional(),
        auto_advance: p.boolean().optional(),
        collection_method: p.enum(['charge_automatically', 'send_invoice']).optional(),
        days_until_due: p.integer().optional(),
        description: z.string().optional(),
        metadata: p.metadata().optional(),
        default_payment_method: z.string().optional(),
        pending_invoice_items_behavior: p.enum(['include', 'exclude']).optional(),
        currency: p.currency().optional(),
        footer: p.ignored(),
        automatic_tax: p.ignored(),
        custom_fields: p.ignored(),
        expand: p.expand(),
      }),
      body,
    );
    const customer = store.require('customer', params.customer, 'customer');
    const subscription = params.subscription
      ? store.require('subscription', params.subscription, 'subscription')
      : null;
    const now = nowForCustomer(store, customer);
    const autoAdvance = params.auto_advance ?? false;
    const invoice = createDraftInvoice(
      ctx,
      {
        customer,
        currency: params.currency?.toLowerCase() ?? subscription?.currency ?? 'usd',
        subscription,
        billingReason: 'manual',
        collectionMethod: params.collection_method ?? 'charge_automatically',
        autoAdvance,
        description: nullable(params.description) ?? null,
        metadata: applyMetadata({}, params.metadata),
        periodStart: now,
        periodEnd: now,
        daysUntilDue: params.days_until_due ?? null,
        defaultPaymentMethod: params.default_payment_method ?? null,
        created: now,
      },
      // Since API version 2022-08-01 pending items are left out unless asked for.
      { sweepPendingItems: params.pending_invoice_items_behavior === 'include' },
    );
    if (invoice.lines.data[0]) invoice.currency = invoice.lines.data[0].currency;
    if (autoAdvance) invoice.automatically_finalizes_at = now + HOUR;
    events.emit('invoice.created', invoice);
    return invoice;
  });

  routes.post('/v1/invoices/create_preview', ({ body }) => {
    const params = parseParams(previewSchema, body);
    const subscription = params.subscription
      ? store.require('subscription', params.subscription, 'subscription')
      : undefined;
    const customer = params.customer ? store.require('customer', params.customer, 'customer') : undefined;
    if (!customer && !subscription)
      throw ApiError.invalid('Must provide either `customer` or `subscription`.', { param: 'customer' });
    const details = params.subscription_details;
    const items: ItemChange[] | undefined = details?.items?.map((item, index) => ({
      id: item.id,
      price: item.price
        ? store.require('price', item.price, `subscription_details[items][${index}][price]`)
        : undefined,
      quantity: item.quantity,
      deleted: item.deleted,
      metadata: item.metadata,
    }));
    return previewInvoice(ctx, {
      customer,
      subscription,
      items,
      prorationBehavior: details?.proration_behavior ?? 'create_prorations',
      prorationDate: details?.proration_date,
    });
  });

  routes.get('/v1/invoices/:id', ({ params }) => store.require('invoice', params.id));

  routes.post('/v1/invoices/:id', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        metadata: p.metadata().optional(),
        description: z.string().optional(),
        auto_advance: p.boolean().optional(),
        default_payment_method: z.string().optional(),
        footer: p.ignored(),
        expand: p.expand(),
      }),
      body,
    );
    const invoice = store.require('invoice', params.id);
    events.update('invoice.updated', invoice, (target) => {
      if (input.metadata !== undefined) target.metadata = applyMetadata(target.metadata, input.metadata);
      if (input.description !== undefined) target.description = nullable(input.description) ?? null;
      if (input.auto_advance !== undefined) target.auto_advance = input.auto_advance;
      if (input.default_payment_method !== undefined)
        target.default_payment_method = nullable(input.default_payment_method) ?? null;
    });
    return invoice;
  });

  routes.delete('/v1/invoices/:id', ({ params }) => {
    const invoice = store.require('invoice', params.id);
    if (invoice.status !== 'draft')
      throw ApiError.invalid('You can only delete draft invoices.', { code: 'invoice_not_editable' });
    for (const item of store.list('invoiceitem')) if (item.invoice === invoice.id) item.invoice = null;
    events.emit('invoice.deleted', invoice);
    return markDeleted(ctx, 'invoice', invoice.id);
  });

  routes.post('/v1/invoices/:id/finalize', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({ auto_advance: p.boolean().optional(), expand: p.expand() }),
      body,
    );
    const invoice = store.require('invoice', params.id);
    if (input.auto_advance !== undefined) invoice.auto_advance = input.auto_advance;
    finalizeInvoice(ctx, invoice);
    return invoice;
  });

  // Sends an invoice for manual payment (`send_invoice`); no email leaves the emulator, the event does.
  routes.post('/v1/invoices/:id/send', ({ params, body }) => {
    parseParams(z.strictObject({ expand: p.expand() }), body);
    const invoice = store.require('invoice', params.id);
    if (invoice.collection_method !== 'send_invoice')
      throw ApiError.invalid(
        'You can only manually send an invoice if its collection method is `send_invoice`.',
        { param: 'invoice' },
      );
    if (invoice.status === 'draft') finalizeInvoice(ctx, invoice);
    if (invoice.status !== 'open')
      throw ApiError.invalid(
        `You can only send an invoice whose status is open; this one is ${invoice.status}.`,
      );
    ctx.events.emit('invoice.sent', invoice);
    return invoice;
  });

  routes.post('/v1/invoices/:id/pay', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        payment_method: z.string().optional(),
        paid_out_of_band: p.boolean().optional(),
        off_session: p.boolean().optional(),
        forgive: p.ignored(),
        mandate: p.ignored(),
        source: p.ignored(),
        expand: p.expand(),
      }),
      body,
    );
    const invoice = store.require('invoice', params.id);
    if (invoice.status === 'draft') finalizeInvoice(ctx, invoice);
    if (invoice.status === 'paid')
      throw ApiError.invalid('Invoice is already paid', { code: 'invoice_already_paid' });
    if (invoice.status === 'void')
      throw ApiError.invalid('Invoice is voided and can no longer be paid.', {
        code: 'invoice_not_editable',
      });
    if (input.paid_out_of_band) {
      markInvoicePaid(ctx, invoice, null, true);
      return invoice;
    }
    const method = input.payment_method ? resolvePaymentMethod(ctx, input.payment_method) : undefined;
    const outcome = collectInvoice(ctx, invoice, { paymentMethod: method, automatic: false });
    if (outcome.kind !== 'succeeded') {
      const payment = store.list('invoice_payment').find((entry) => entry.invoice === invoice.id);
      const intent = payment
        ? store.get('payment_intent', payment.payment.payment_intent as string)
        : undefined;
      if (intent) throw cardError(intent);
      throw ApiError.invalid('This customer has no attached payment source or default payment method.', {
        code: 'invoice_no_payment_method_types',
      });
    }
    return invoice;
  });

  routes.post('/v1/invoices/:id/void', ({ params }) => {
    const invoice = store.require('invoice', params.id);
    voidInvoice(ctx, invoice);
    return invoice;
  });

  routes.post('/v1/invoices/:id/mark_uncollectible', ({ params }) => {
    const invoice = store.require('invoice', params.id);
    markUncollectible(ctx, invoice);
    return invoice;
  });

  routes.get('/v1/invoices/:id/lines', ({ params, body }) => {
    const invoice = store.require('invoice', params.id);
    const page = parseParams(z.strictObject(paginationShape), body);
    return paginate([...invoice.lines.data], page, `/v1/invoices/${invoice.id}/lines`);
  });

  routes.get('/v1/invoices', ({ body }) =>
    listWith(
      body,
      {
        customer: z.string().optional(),
        subscription: z.string().optional(),
        status: z.string().optional(),
        collection_method: z.string().optional(),
        created: p.range().optional(),
        due_date: p.ignored(),
      },
      '/v1/invoices',
      (filters) =>
        store
          .list('invoice')
          .filter((invoice) => filters.customer === undefined || invoice.customer === filters.customer)
          .filter(
            (invoice) =>
              filters.subscription === undefined ||
              invoice.parent?.subscription_details?.subscription === filters.subscription,
          )
          .filter((invoice) => filters.status === undefined || invoice.status === filters.status)
          .filter(
            (invoice) =>
              filters.collection_method === undefined ||
              invoice.collection_method === filters.collection_method,
          )
          .filter((invoice) => inRange(invoice.created, filters.created)),
    ),
  );

  routes.get('/v1/invoice_payments/:id', ({ params }) => store.require('invoice_payment', params.id));

  routes.get('/v1/invoice_payments', ({ body }) =>
    listWith(
      body,
      {
        invoice: z.string().optional(),
        // Which invoice a PaymentIntent paid: Stripe's way back from a charge to its invoice.
        payment: z
          .strictObject({
            type: p.enum(['payment_intent', 'payment_record']),
            payment_intent: z.string().optional(),
            payment_record: z.string().optional(),
          })
          .optional(),
        status: z.string().optional(),
        created: p.range().optional(),
      },
      '/v1/invoice_payments',
      (filters) =>
        store
          .list('invoice_payment')
          .filter((payment) => filters.invoice === undefined || payment.invoice === filters.invoice)
          .filter(
            (payment) =>
              filters.payment === undefined ||
              (payment.payment.type === filters.payment.type &&
                (filters.payment.payment_intent === undefined ||
                  payment.payment.payment_intent === filters.payment.payment_intent) &&
                (filters.payment.payment_record === undefined ||
                  payment.payment.payment_record === filters.payment.payment_record)),
          )
          .filter((payment) => filters.status === undefined || payment.status === filters.status)
          .filter((payment) => inRange(payment.created, filters.created)),
    ),
  );
}
