import type Stripe from 'stripe';
import { z } from 'zod';
import type { Context } from '../context';
import { ApiError } from '../http/errors';
import type { FormObject } from '../http/form';
import { paginate, type ListPage, type PageParams } from '../http/pagination';
import { p, paginationShape, parseParams } from '../http/params';
import type { ObjectKind, ObjectTypes } from '../store/types';

/** Parses list parameters (pagination plus `extra` filters) and pages through `items` (newest first). */
export function listWith<T extends { id: string }, S extends z.ZodRawShape>(
  body: FormObject,
  extra: S,
  url: string,
  select: (filters: z.output<z.ZodObject<S>>) => T[],
): ListPage<T> {
  const params = parseParams(z.strictObject({ ...paginationShape, ...extra }), body);
  return paginate(select(params as z.output<z.ZodObject<S>>), params as PageParams, url);
}

/** `{ id, object, deleted: true }`, which Stripe returns when a deleted object is asked for or deleted. */
export function deletedStub(id: string, object: string): { id: string; object: string; deleted: true } {
  return { id, object, deleted: true };
}

/** The object, a deleted stub if it was deleted, or 404. */
export function retrieveOrDeleted<K extends ObjectKind>(
  ctx: Context,
  kind: K,
  id: string,
): ObjectTypes[K] | { id: string; object: string; deleted: true } {
  const deletedAs = ctx.store.extras.deleted[id];
  if (deletedAs) return deletedStub(id, deletedAs);
  return ctx.store.require(kind, id);
}

export function markDeleted(
  ctx: Context,
  kind: ObjectKind,
  id: string,
): { id: string; object: string; deleted: true } {
  ctx.store.delete(kind, id);
  ctx.store.extras.deleted[id] = kind;
  return deletedStub(id, kind);
}

export function requireNonEmpty(value: string | undefined, param: string): string {
  if (value === undefined || value === '') throw ApiError.parameterMissing(param);
  return value;
}

/** `''` unsets a nullable field; undefined leaves it alone. */
export function nullable(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value === '' ? null : value;
}

/**
 * One item of `items[]` as subscriptions take it (create, update) and as an invoice preview's
 * `subscription_details.items` does: an existing item by id, or a price, with quantity and metadata.
 */
export const subscriptionItemParams = z.strictObject({
  id: z.string().optional(),
  price: z.string().optional(),
  quantity: p.integer().optional(),
  deleted: p.boolean().optional(),
  metadata: p.metadata().optional(),
  clear_usage: p.ignored(),
  tax_rates: p.ignored(),
  discounts: p.ignored(),
  price_data: p.ignored(),
});

/** An address parameter (customers' `address` and `shipping[address]`, a PaymentIntent's `shipping[address]`). */
export const addressParams = z.strictObject({
  line1: z.string().optional(),
  line2: z.string().optional(),
  city: z.string().optional(),
  state: z.string().optional(),
  postal_code: z.string().optional(),
  country: z.string().optional(),
});

export function addressOf(input: z.infer<typeof addressParams>): Stripe.Address {
  const field = (value: string | undefined) => (value === undefined || value === '' ? null : value);
  return {
    line1: field(input.line1),
    line2: field(input.line2),
    city: field(input.city),
    state: field(input.state),
    postal_code: field(input.postal_code),
    country: field(input.country),
  };
}

/** A PaymentIntent's `shipping` (also Checkout's `payment_intent_data[shipping]`); name and address are required. */
export const paymentShippingParams = z.strictObject({
  name: z.string(),
  address: addressParams,
  phone: z.string().optional(),
  carrier: z.string().optional(),
  tracking_number: z.string().optional(),
});

export function paymentShippingOf(
  input: z.infer<typeof paymentShippingParams>,
): Stripe.PaymentIntent.Shipping {
  return {
    name: input.name,
    address: addressOf(input.address),
    phone: nullable(input.phone) ?? null,
    carrier: nullable(input.carrier) ?? null,
    tracking_number: nullable(input.tracking_number) ?? null,
  };
}
