import { z } from 'zod';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { nowForCustomer } from '../billing/time';
import type { ApiRoutes } from '../http/api';
import { ApiError } from '../http/errors';
import { applyMetadata, inRange, p, parseParams } from '../http/params';
import { newRefund } from '../objects/payments';
import { recordRefundFunds } from '../payments/balance';
import { updateRefund } from '../payments/refund-updates';
import { listWith } from './shared';

const refundSchema = z.strictObject({
  charge: z.string().optional(),
  payment_intent: z.string().optional(),
  amount: p.nonNegativeInteger().optional(),
  reason: p.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
  metadata: p.metadata().optional(),
  refund_application_fee: p.ignored(),
  reverse_transfer: p.ignored(),
  instructions_email: p.ignored(),
  origin: p.ignored(),
  expand: p.expand(),
});

/** The charge a refund applies to: the given charge, or the successful charge of the payment intent. */
function refundedCharge(ctx: Context, params: z.output<typeof refundSchema>): Stripe.Charge {
  if (params.charge) return ctx.store.require('charge', params.charge, 'charge');
  if (!params.payment_intent)
    throw ApiError.invalid(
      'One of the following params should be provided for this request: payment_intent or charge.',
      { param: 'charge' },
    );
  const intent = ctx.store.require('payment_intent', params.payment_intent, 'payment_intent');
  const charge = intent.latest_charge ? ctx.store.get('charge', intent.latest_charge as string) : undefined;
  if (!charge || intent.status !== 'succeeded') {
    throw ApiError.invalid(`This PaymentIntent does not have a successful charge to refund.`, {
      param: 'payment_intent',
      code: 'charge_not_refundable',
    });
  }
  return charge;
}

export function registerCharges(routes: ApiRoutes, ctx: Context): void {
  const { store, events } = ctx;

  routes.get('/v1/charges/:id', ({ params }) => store.require('charge', params.id));

  routes.get('/v1/charges', ({ body }) =>
    listWith(
      body,
      {
        customer: z.string().optional(),
        payment_intent: z.string().optional(),
        created: p.range().optional(),
      },
      '/v1/charges',
      (filters) =>
        store
          .list('charge')
          .filter((charge) => filters.customer === undefined || charge.customer === filters.customer)
          .filter(
            (charge) =>
              filters.payment_intent === undefined || charge.payment_intent === filters.payment_intent,
          )
          .filter((charge) => inRange(charge.created, filters.created)),
    ),
  );

  /**
   * Refunds all or part of a charge. Events, in Stripe's order: `refund.created`, then `charge.refunded`
   * with the charge's new `amount_refunded` (and `refunded: true` once fully refunded).
   */
  routes.post('/v1/refunds', ({ body }) => {
    const params = parseParams(refundSchema, body);
    const charge = refundedCharge(ctx, params);
    if (charge.status !== 'succeeded')
      throw ApiError.invalid(`Charge ${charge.id} has not succeeded and cannot be refunded.`, {
        code: 'charge_not_refundable',
      });
    // An authorization is released by canceling its PaymentIntent, which refunds it without moving money.
    if (!charge.captured)
      throw ApiError.invalid(
        `Charge ${charge.id} has not been captured. Cancel its PaymentIntent to release the authorization.`,
        { code: 'charge_not_refundable' },
      );
    const refundable = charge.amount - charge.amount_refunded;
    if (refundable <= 0)
      throw ApiError.invalid(`Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
      });
    const amount = params.amount ?? refundable;
    if (amount <= 0) throw ApiError.parameterInvalid('amount', 'Refund amount must be positive.');
    if (amount > refundable) {
      throw ApiError.invalid(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`,
        { param: 'amount', code: 'amount_too_large' },
      );
    }
    const now = nowForCustomer(store, charge.customer as string | null);
    const refund = store.insert(
      'refund',
      newRefund({
        charge,
        amount,
        reason: params.reason ?? null,
        metadata: applyMetadata({}, params.metadata),
        created: now,
      }),
    );
    recordRefundFunds(ctx, refund);
    events.emit('refund.created', refund);
    const before = structuredClone(charge);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    store.changed();
    events.emit('charge.refunded', charge, before);
    return refund;
  });

  routes.get('/v1/refunds/:id', ({ params }) => store.require('refund', params.id));

  routes.post('/v1/refunds/:id', ({ params, body }) => {
    const input = parseParams(
      z.strictObject({ metadata: p.metadata().optional(), expand: p.expand() }),
      body,
    );
    const refund = store.require('refund', params.id);
    updateRefund(ctx, refund, (target) => {
      if (input.metadata !== undefined) target.metadata = applyMetadata(target.metadata, input.metadata);
    });
    return refund;
  });

  routes.get('/v1/refunds', ({ body }) =>
    listWith(
      body,
      { charge: z.string().optional(), payment_intent: z.string().optional(), created: p.range().optional() },
      '/v1/refunds',
      (filters) =>
        store
          .list('refund')
          .filter((refund) => filters.charge === undefined || refund.charge === filters.charge)
          .filter(
            (refund) =>
              filters.payment_intent === undefined || refund.payment_intent === filters.payment_intent,
          )
          .filter((refund) => inRange(refund.created, filters.created)),
    ),
  );
}
