import { z } from 'zod';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { realNow } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { applyMetadata, inRange, p, parseParams } from '../http/params';
import { newPrice, newProduct } from '../objects/catalog';
import { listWith, markDeleted, nullable, retrieveOrDeleted } from './shared';

const productShape = {
  name: z.string().optional(),
  active: p.boolean().optional(),
  description: z.string().optional(),
  metadata: p.metadata().optional(),
  unit_label: z.string().optional(),
  statement_descriptor: z.string().optional(),
  url: z.string().optional(),
  images: z.array(z.string()).optional(),
  expand: p.expand(),
  tax_code: p.ignored(),
  marketing_features: p.ignored(),
  shippable: p.ignored(),
};

const recurringShape = z.strictObject({
  interval: p.enum(['day', 'week', 'month', 'year']),
  interval_count: p.integer().optional(),
  usage_type: p.enum(['licensed', 'metered']).optional(),
  trial_period_days: p.integer().optional(),
  meter: p.ignored(),
});

const priceCreateSchema = z.strictObject({
  currency: p.currency(),
  product: z.string().optional(),
  product_data: z
    .strictObject({
      name: z.string(),
      active: p.boolean().optional(),
      metadata: p.metadata().optional(),
      unit_label: z.string().optional(),
      statement_descriptor: p.ignored(),
      tax_code: p.ignored(),
    })
    .optional(),
  unit_amount: p.nonNegativeInteger().optional(),
  unit_amount_decimal: z.string().optional(),
  recurring: recurringShape.optional(),
  active: p.boolean().optional(),
  lookup_key: z.string().optional(),
  transfer_lookup_key: p.boolean().optional(),
  nickname: z.string().optional(),
  metadata: p.metadata().optional(),
  tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified']).optional(),
  billing_scheme: p.enum(['per_unit']).optional(),
  expand: p.expand(),
});

const priceUpdateSchema = z.strictObject({
  active: p.boolean().optional(),
  lookup_key: z.string().optional(),
  transfer_lookup_key: p.boolean().optional(),
  nickname: z.string().optional(),
  metadata: p.metadata().optional(),
  tax_behavior: p.enum(['exclusive', 'inclusive', 'unspecified']).optional(),
  expand: p.expand(),
});

/** Lookup keys are unique per account; `transfer_lookup_key` moves one from the price that holds it. */
function claimLookupKey(ctx: Context, key: string, transfer: boolean, claimant: Stripe.Price | null): void {
  const holder = ctx.store
    .list('price')
    .find((price) => price.lookup_key === key && price.id !== claimant?.id);
  if (!holder) return;
  if (!transfer) {
    throw ApiError.invalid(`A price (\`${holder.id}\`) already uses that lookup key.`, {
      param: 'lookup_key',
    });
  }
  ctx.events.update('price.updated', holder, (price) => {
    price.lookup_key = null;
  });
}

export function registerCatalog(routes: ApiRoutes, ctx: Context): void {
  const { store, events } = ctx;

  routes.post('/v1/products', ({ body }) => {
    const params = parseParams(
      z.strictObject({ ...productShape, id: z.string().optional(), default_price_data: p.ignored() }),
      body,
    );
    if (!params.name) throw ApiError.parameterMissing('name');
    if (params.id && store.get('product', params.id))
      throw ApiError.invalid(`Product already exists.`, { param: 'id', code: 'resource_already_exists' });
    const product = newProduct(
      {
        name: params.name,
        active: params.active ?? true,
        description: nullable(params.description) ?? null,
        metadata: applyMetadata({}, params.metadata),
        created: realNow(),
        unitLabel: nullable(params.unit_label) ?? null,
        statementDescriptor: nullable(params.statement_descriptor) ?? null,
        url: nullable(params.url) ?? null,
        images: params.images ?? [],
      },
      params.id,
    );
    store.insert('product', product);
    events.emit('product.created', product);
    return product;
  });

  routes.get('/v1/products/:id', ({ params }) => retrieveOrDeleted(ctx, 'product', params.id));

  routes.post('/v1/products/:id', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({ ...productShape, default_price: z.string().optional() }),
      body,
    );
    const product = store.require('product', params.id);
    events.update('product.updated', product, (target) => {
      if (input.name !== undefined) target.name = input.name;
      if (input.active !== undefined) target.active = input.active;
      if (input.description !== undefined) target.description = nullable(input.description) ?? null;
      if (input.metadata !== undefined) target.metadata = applyMetadata(target.metadata, input.metadata);
      if (input.unit_label !== undefined) target.unit_label = nullable(input.unit_label) ?? null;
      if (input.url !== undefined) target.url = nullable(input.url) ?? null;
      if (input.images !== undefined) target.images = input.images;
      if (input.default_price !== undefined) target.default_price = nullable(input.default_price) ?? null;
      target.updated = realNow();
    });
    return product;
  });

  routes.delete('/v1/products/:id', ({ params }) => {
    const product = store.require('product', params.id);
    if (store.list('price').some((price) => price.product === product.id)) {
      throw ApiError.invalid(
        'This product cannot be deleted because it has one or more user-created prices.',
        { param: 'id' },
      );
    }
    events.emit('product.deleted', product);
    return markDeleted(ctx, 'product', product.id);
  });

  routes.get('/v1/products', ({ body }) =>
    listWith(
      body,
      {
        active: p.boolean().optional(),
        ids: z.array(z.string()).optional(),
        created: p.range().optional(),
        shippable: p.ignored(),
        url: p.ignored(),
      },
      '/v1/products',
      (filters) =>
        store
          .list('product')
          .filter((product) => filters.active === undefined || product.active === filters.active)
          .filter((product) => !filters.ids || filters.ids.includes(product.id))
          .filter((product) => inRange(product.created, filters.created)),
    ),
  );

  routes.post('/v1/prices', ({ body }) => {
    const params = parseParams(priceCreateSchema, body);
    let productId = params.product;
    if (!productId && !params.product_data) throw ApiError.parameterMissing('product');
    if (productId) store.require('product', productId, 'product');
    const unitAmount =
      params.unit_amount ??
      (params.unit_amount_decimal !== undefined ? Math.round(Number(params.unit_amount_decimal)) : undefined);
    if (unitAmount === undefined || Number.isNaN(unitAmount)) throw ApiError.parameterMissing('unit_amount');
    if (params.lookup_key) claimLookupKey(ctx, params.lookup_key, params.transfer_lookup_key ?? false, null);
    if (params.product_data) {
      const product = newProduct({
        name: params.product_data.name,
        active: params.product_data.active ?? true,
        description: null,
        metadata: applyMetadata({}, params.product_data.metadata),
        created: realNow(),
        unitLabel: params.product_data.unit_label ?? null,
        statementDescriptor: null,
        url: null,
        images: [],
      });
      store.insert('product', product);
      events.emit('product.created', product);
      productId = product.id;
    }
    const price = newPrice({
      product: productId as string,
      currency: params.currency.toLowerCase(),
      unitAmount,
      recurring: params.recurring
        ? {
            interval: params.recurring.interval,
            intervalCount: params.recurring.interval_count ?? 1,
            usageType: params.recurring.usage_type ?? 'licensed',
            trialPeriodDays: params.recurring.trial_period_days ?? null,
          }
        : null,
      active: params.active ?? true,
      lookupKey: params.lookup_key || null,
      nickname: nullable(params.nickname) ?? null,
      metadata: applyMetadata({}, params.metadata),
      taxBehavior: params.tax_behavior ?? 'unspecified',
      created: realNow(),
    });
    store.insert('price', price);
    events.emit('price.created', price);
    return price;
  });

  routes.get('/v1/prices/:id', ({ params }) => store.require('price', params.id));

  routes.post('/v1/prices/:id', ({ params, body }) => {
    const input = parseParams(priceUpdateSchema, body);
    const price = store.require('price', params.id);
    if (input.lookup_key) claimLookupKey(ctx, input.lookup_key, input.transfer_lookup_key ?? false, price);
    events.update('price.updated', price, (target) => {
      if (input.active !== undefined) target.active = input.active;
      if (input.lookup_key !== undefined) target.lookup_key = nullable(input.lookup_key) ?? null;
      if (input.nickname !== undefined) target.nickname = nullable(input.nickname) ?? null;
      if (input.metadata !== undefined) target.metadata = applyMetadata(target.metadata, input.metadata);
      if (input.tax_behavior !== undefined) target.tax_behavior = input.tax_behavior;
    });
    return price;
  });

  routes.get('/v1/prices', ({ body }) =>
    listWith(
      body,
      {
        active: p.boolean().optional(),
        product: z.string().optional(),
        type: p.enum(['one_time', 'recurring']).optional(),
        currency: z.string().optional(),
        lookup_keys: z.array(z.string()).optional(),
        recurring: z
          .strictObject({
            interval: z.string().optional(),
            usage_type: z.string().optional(),
            meter: p.ignored(),
          })
          .optional(),
        created: p.range().optional(),
      },
      '/v1/prices',
      (filters) =>
        store
          .list('price')
          .filter((price) => filters.active === undefined || price.active === filters.active)
          .filter((price) => filters.product === undefined || price.product === filters.product)
          .filter((price) => filters.type === undefined || price.type === filters.type)
          .filter(
            (price) => filters.currency === undefined || price.currency === filters.currency.toLowerCase(),
          )
          .filter(
            (price) =>
              !filters.lookup_keys ||
              (price.lookup_key !== null && filters.lookup_keys.includes(price.lookup_key)),
          )
          .filter(
            (price) =>
              !filters.recurring?.interval || price.recurring?.interval === filters.recurring.interval,
          )
          .filter(
            (price) =>
              !filters.recurring?.usage_type || price.recurring?.usage_type === filters.recurring.usage_type,
          )
          .filter((price) => inRange(price.created, filters.created)),
    ),
  );
}
