import { z } from 'zod';
import type { Context } from '../context';
import { realNow } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { applyMetadata, p, parseParams } from '../http/params';
import { cardForNumber, cardForToken, expiryProblem } from '../payments/cards';
import {
  attachPaymentMethod,
  createCardPaymentMethod,
  detachPaymentMethod,
} from '../payments/payment-methods';
import { listWith } from './shared';

const createSchema = z.strictObject({
  type: p.enum(['card']).optional(),
  card: z
    .union([
      z.strictObject({ token: z.string() }),
      z.strictObject({
        number: z.string(),
        exp_month: p.integer(),
        exp_year: p.integer(),
        cvc: z.string().optional(),
      }),
    ])
    .optional(),
  billing_details: z
    .strictObject({
      name: z.string().optional(),
      email: z.string().optional(),
      phone: p.ignored(),
      address: p.ignored(),
    })
    .optional(),
  metadata: p.metadata().optional(),
  customer: p.ignored(),
  payment_method: p.ignored(),
  allow_redisplay: p.ignored(),
  expand: p.expand(),
});

export function registerPaymentMethods(routes: ApiRoutes, ctx: Context): void {
  const { store, events } = ctx;

  routes.post('/v1/payment_methods', ({ body }) => {
    const params = parseParams(createSchema, body);
    if (!params.card) throw ApiError.parameterMissing('card');
    const card = 'token' in params.card ? cardForToken(params.card.token) : cardForNumber(params.card.number);
    if (!card) {
      // Raw card numbers only work for Stripe's documented test cards; anything else is a real card.
      throw new ApiError(402, {
        type: 'card_error',
        code: 'incorrect_number',
        message: 'Your card number is incorrect.',
        param: 'card[number]',
      });
    }
    if ('exp_month' in params.card) {
      const problem = expiryProblem(params.card.exp_month, params.card.exp_year, new Date(realNow() * 1000));
      if (problem) {
        const field = problem === 'invalid_expiry_month' ? 'month' : 'year';
        throw new ApiError(402, {
          type: 'card_error',
          code: problem,
          message: `Your card's expiration ${field} is invalid.`,
          param: `card[exp_${field}]`,
        });
      }
    }
    return createCardPaymentMethod(ctx, card, {
      expMonth: 'exp_month' in params.card ? params.card.exp_month : undefined,
      expYear: 'exp_year' in params.card ? params.card.exp_year : undefined,
      name: params.billing_details?.name ?? null,
      email: params.billing_details?.email ?? null,
      metadata: applyMetadata({}, params.metadata),
      created: realNow(),
    });
  });

  routes.get('/v1/payment_methods/:id', ({ params }) => {
    const token = cardForToken(params.id);
    if (token) return createCardPaymentMethod(ctx, token, {});
    return store.require('payment_method', params.id);
  });

  routes.post('/v1/payment_methods/:id', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({
        metadata: p.metadata().optional(),
        billing_details: z
          .strictObject({
            name: z.string().optional(),
            email: z.string().optional(),
            phone: p.ignored(),
            address: p.ignored(),
          })
          .optional(),
        card: p.ignored(),
        allow_redisplay: p.ignored(),
        expand: p.expand(),
      }),
      body,
    );
    const method = store.require('payment_method', params.id);
    events.update('payment_method.updated', method, (target) => {
      if (input.metadata !== undefined) target.metadata = applyMetadata(target.metadata, input.metadata);
      if (input.billing_details?.name !== undefined)
        target.billing_details.name = input.billing_details.name || null;
      if (input.billing_details?.email !== undefined)
        target.billing_details.email = input.billing_details.email || null;
    });
    return method;
  });

  routes.post('/v1/payment_methods/:id/attach', ({ params, body }) => {
    const input = parseParams(z.strictObject({ customer: z.string(), expand: p.expand() }), body);
    const token = cardForToken(params.id);
    const method = token
      ? createCardPaymentMethod(ctx, token, {})
      : store.require('payment_method', params.id);
    attachPaymentMethod(ctx, method, input.customer);
    return method;
  });

  routes.post('/v1/payment_methods/:id/detach', ({ params, body }) => {
    parseParams(z.strictObject({ expand: p.expand() }), body);
    const method = store.require('payment_method', params.id);
    detachPaymentMethod(ctx, method);
    return method;
  });

  routes.get('/v1/payment_methods', ({ body }) =>
    listWith(
      body,
      { customer: z.string().optional(), type: z.string().optional() },
      '/v1/payment_methods',
      (filters) => {
        if (filters.customer) store.require('customer', filters.customer, 'customer');
        return store
          .list('payment_method')
          .filter((method) => (filters.customer ? method.customer === filters.customer : true))
          .filter((method) => filters.type === undefined || method.type === filters.type);
      },
    ),
  );
}
