import type { Context } from '../context';
import { ApiError } from './errors';

type Node = Record<string, unknown>;

/**
 * Properties that are not in an object unless asked for with `expand[]` ("includable" in Stripe's
 * terms), computed from the store.
 */
const INCLUDABLE: Record<string, Record<string, (ctx: Context, object: Node) => unknown>> = {
  'checkout.session': {
    line_items: (ctx, session) => {
      const lines = ctx.store.extras.checkoutSessions[session.id as string]?.lineItems ?? [];
      return {
        object: 'list',
        data: lines,
        has_more: false,
        url: `/v1/checkout/sessions/${String(session.id)}/line_items`,
      };
    },
  },
  invoice: {
    payments: (ctx, invoice) => ({
      object: 'list',
      data: ctx.store.listOldestFirst('invoice_payment').filter((payment) => payment.invoice === invoice.id),
      has_more: false,
      url: `/v1/invoice_payments?invoice=${String(invoice.id)}`,
    }),
    confirmation_secret: (ctx, invoice) => {
      const payment = ctx.store.list('invoice_payment').find((entry) => entry.invoice === invoice.id);
      const intent = payment
        ? ctx.store.get('payment_intent', payment.payment.payment_intent as string)
        : undefined;
      return intent?.client_secret ? { client_secret: intent.client_secret, type: 'payment_intent' } : null;
    },
  },
  customer: {
    // The customer's current subscriptions: Stripe leaves out canceled (and expired incomplete) ones.
    subscriptions: (ctx, customer) => ({
      object: 'list',
      data: ctx.store
        .list('subscription')
        .filter(
          (subscription) =>
            subscription.customer === customer.id &&
            !['canceled', 'incomplete_expired'].includes(subscription.status),
        ),
      has_more: false,
      url: `/v1/customers/${String(customer.id)}/subscriptions`,
    }),
  },
  charge: {
    refunds: (ctx, charge) => ({
      object: 'list',
      data: ctx.store.list('refund').filter((refund) => refund.charge === charge.id),
      has_more: false,
      url: `/v1/charges/${String(charge.id)}/refunds`,
    }),
  },
};

function expandInto(ctx: Context, node: unknown, segments: string[], fullPath: string): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((element) => expandInto(ctx, element, segments, fullPath));
  const object = node as Node;
  const [head, ...rest] = segments;
  const includable = INCLUDABLE[String(object.object)]?.[head];
  let value: unknown;
  if (includable) {
    value = object[head] ?? structuredClone(includable(ctx, object));
  } else if (head in object) {
    value = object[head];
    if (typeof value === 'string') {
      const found = ctx.store.findById(value);
      if (!found)
        throw ApiError.invalid(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
      value = structuredClone(found);
    } else if (rest.length === 0 && value !== null && !Array.isArray(value) && typeof value !== 'object') {
      throw ApiError.invalid(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
    }
  } else {
    throw ApiError.invalid(`This property cannot be expanded (${fullPath}).`, { param: 'expand' });
  }
  object[head] = rest.length > 0 ? expandInto(ctx, value, rest, fullPath) : value;
  return object;
}

/**
 * The response for a stored object or list: a deep copy (callers never share the store's objects)
 * with every `expand[]` path applied. Paths may go through lists (`data.customer`) and nest
 * (`latest_invoice.payments`).
 */
export function render(ctx: Context, value: unknown, expand: string[]): unknown {
  const copy = structuredClone(value);
  const paths = [...expand].sort((a, b) => a.split('.').length - b.split('.').length);
  for (const path of paths) {
    if (path.split('.').length > 5)
      throw ApiError.invalid(`You cannot expand more than 4 levels of a property. Property: ${path}`, {
        param: 'expand',
      });
    expandInto(ctx, copy, path.split('.'), path);
  }
  return copy;
}
