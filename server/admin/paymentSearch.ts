import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { paginateNewestFirst, type Page } from '../pagination';
import { Payment, type PaymentStatus, type PaymentType } from '../payments/Payment';
import { parseInput } from '../validation';
import {
  accountsMatching,
  checkRanges,
  isUuid,
  paymentColumnOfStripeId,
  transactionFilterFields,
} from './transactionFilters';

export const PAYMENT_KINDS = {
  subscription: ['subscription_payment', 'subscription_upgrade'],
  credit_purchase: ['credit_top_up'],
  refund: ['refund'],
} as const satisfies Record<string, readonly PaymentType[]>;
export type PaymentKind = keyof typeof PAYMENT_KINDS;

const STATUSES = [
  'pending',
  'completed',
  'failed',
  'refunded',
  'cancelled',
] as const satisfies readonly PaymentStatus[];

const input = z.object({
  filter: z
    .object({
      ...transactionFilterFields,
      status: z.enum(STATUSES, { message: 'is not a payment status' }).nullish(),
      kind: z
        .enum(Object.keys(PAYMENT_KINDS) as [PaymentKind, ...PaymentKind[]], {
          message: 'is not subscription, credit purchase or refund',
        })
        .nullish(),
    })
    .default({}),
});

export type PaymentFilter = z.input<typeof input>['filter'];
export type PaymentSearchPage = Page<Payment>;
export interface PaymentSearchEdge {
  cursor: string;
  node: Payment;
}

/**
 * Every account's payments, newest first (recorded at, then id): the admin console's answer to "where
 * is that charge?". The search is, exactly, a Stripe id the payment carries (pi_, ch_, in_, re_, cs_:
 * a PaymentIntent finds its charge and its refunds) or the payment's own id; any other text matches the
 * account (name, external id, billing email).
 */
export async function searchPayments({
  actor,
  filter,
  first,
  after,
}: {
  actor: Actor;
  filter?: PaymentFilter | null;
  first?: number | null;
  after?: string | null;
}): Promise<PaymentSearchPage> {
  requirePlatformAdmin(actor);
  const { filter: parsed } = parseInput(input, { filter: filter ?? undefined });
  checkRanges(parsed);
  const { search, status, currency, kind, amountMin, amountMax, from, to } = parsed;
  const query = Payment.query();
  if (search) {
    // A Stripe id or our id is looked up exactly, through its index; anything else names accounts.
    const stripeColumn = paymentColumnOfStripeId(search);
    if (stripeColumn) query.where(`payments.${stripeColumn}`, search);
    else if (isUuid(search)) query.where('payments.id', search);
    else query.whereIn('payments.accountId', accountsMatching(search));
  }
  if (status) query.where('payments.status', status);
  if (currency) query.where('payments.currency', currency);
  if (kind) query.whereIn('payments.type', PAYMENT_KINDS[kind]);
  if (amountMin != null) query.where('payments.amount', '>=', amountMin);
  if (amountMax != null) query.where('payments.amount', '<=', amountMax);
  if (from) query.where('payments.createdAt', '>=', from);
  if (to) query.where('payments.createdAt', '<', to);
  return paginateNewestFirst({
    query,
    timestampColumn: 'payments.createdAt',
    timestampOf: (payment) => payment.createdAt,
    first,
    after,
  });
}
