import { z } from 'zod';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { lineForInvoiceItem, productName, recomputeTotals } from '../billing/invoice-build';
import { nowForCustomer } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { applyMetadata, p, parseParams } from '../http/params';
import { newInvoiceItem } from '../objects/invoice';
import { listWith, markDeleted, nullable, retrieveOrDeleted } from './shared';

const createSchema = z.strictObject({
  customer: z.string(),
  amount: p.integer().optional(),
  currency: p.currency().optional(),
  description: z.string().optional(),
  price: z.string().optional(),
  pricing: z.strictObject({ price: z.string() }).optional(),
  price_data: p.ignored(),
  quantity: p.integer().optional(),
  unit_amount_decimal: z.string().optional(),
  invoice: z.string().optional(),
  subscription: z.string().optional(),
  period: z.strictObject({ start: p.integer(), end: p.integer() }).optional(),
  metadata: p.metadata().optional(),
  discountable: p.ignored(),
  tax_behavior: p.ignored(),
  tax_rates: p.ignored(),
  expand: p.expand(),
});

export function registerInvoiceItems(routes: ApiRoutes, ctx: Context): void {
  const { store, events } = ctx;

  /**
   * Creates an invoice item. Without `invoice` it stays pending and is swept into the customer's next
   * subscription invoice (or a manual one created with `pending_invoice_items_behavior=include`).
   */
  routes.post('/v1/invoiceitems', ({ body }) => {
    const params = parseParams(createSchema, body);
    const customer = store.require('customer', params.customer, 'customer');
    const priceId = params.price ?? params.pricing?.price;
    const price: Stripe.Price | null = priceId ? store.require('price', priceId, 'price') : null;
    const quantity = params.quantity ?? 1;
    let amount: number;
    if (price) amount = (price.unit_amount ?? 0) * quantity;
    else if (params.amount !== undefined) amount = params.amount;
    else if (params.unit_amount_decimal !== undefined)
      amount = Math.round(Number(params.unit_amount_decimal) * quantity);
    else throw ApiError.parameterMissing('amount');
    const currency = price?.currency ?? params.currency?.toLowerCase();
    if (!currency) throw ApiError.parameterMissing('currency');
    const subscription = params.subscription
      ? store.require('subscription', params.subscription, 'subscription')
      : null;
    const invoice = params.invoice ? store.require('invoice', params.invoice, 'invoice') : null;
    if (invoice && invoice.status !== 'draft')
      throw ApiError.invalid('You can only add invoice items to draft invoices.', {
        param: 'invoice',
        code: 'invoice_not_editable',
      });
    const now = nowForCustomer(store, customer);
    const item = newInvoiceItem({
      customer,
      amount,
      currency,
      description: nullable(params.description) ?? (price ? productName(ctx, price) : null),
      price,
      quantity,
      periodStart: params.period?.start ?? now,
      periodEnd: params.period?.end ?? now,
      metadata: applyMetadata({}, params.metadata),
      subscription: subscription?.id ?? null,
      subscriptionItem: null,
      proration: false,
      created: now,
    });
    store.insert('invoiceitem', item);
    if (invoice) {
      item.invoice = invoice.id;
      invoice.lines.data.push(lineForInvoiceItem(ctx, item, invoice.id));
      recomputeTotals(invoice);
    }
    events.emit('invoiceitem.created', item);
    return item;
  });

  routes.get('/v1/invoiceitems/:id', ({ params }) => retrieveOrDeleted(ctx, 'invoiceitem', params.id));

  routes.post('/v1/invoiceitems/:id', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        amount: p.integer().optional(),
        description: z.string().optional(),
        metadata: p.metadata().optional(),
        quantity: p.ignored(),
        expand: p.expand(),
      }),
      body,
    );
    const item = store.require('invoiceitem', params.id);
    if (item.invoice)
      throw ApiError.invalid('This invoice item is already on an invoice and cannot be changed.', {
        code: 'invoice_not_editable',
      });
    if (input.amount !== undefined) item.amount = input.amount;
    if (input.description !== undefined) item.description = nullable(input.description) ?? null;
    if (input.metadata !== undefined) item.metadata = applyMetadata(item.metadata, input.metadata);
    store.changed();
    return item;
  });

  routes.delete('/v1/invoiceitems/:id', ({ params }) => {
    const item = store.require('invoiceitem', params.id);
    if (item.invoice) {
      const invoice = store.get('invoice', item.invoice as string);
      if (invoice && invoice.status !== 'draft')
        throw ApiError.invalid('This invoice item is on a finalized invoice and cannot be deleted.', {
          code: 'invoice_not_editable',
        });
      if (invoice) {
        invoice.lines.data = invoice.lines.data.filter(
          (line) =>
            line.parent?.invoice_item_details?.invoice_item !== item.id &&
            line.parent?.subscription_item_details?.invoice_item !== item.id,
        );
        recomputeTotals(invoice);
      }
    }
    events.emit('invoiceitem.deleted', item);
    return markDeleted(ctx, 'invoiceitem', item.id);
  });

  routes.get('/v1/invoiceitems', ({ body }) =>
    listWith(
      body,
      {
        customer: z.string().optional(),
        invoice: z.string().optional(),
        pending: p.boolean().optional(),
        created: p.ignored(),
      },
      '/v1/invoiceitems',
      (filters) =>
        store
          .list('invoiceitem')
          .filter((item) => filters.customer === undefined || item.customer === filters.customer)
          .filter((item) => filters.invoice === undefined || item.invoice === filters.invoice)
          .filter((item) => filters.pending === undefined || (item.invoice === null) === filters.pending),
    ),
  );
}
