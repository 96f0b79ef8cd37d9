import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { Invoice, type InvoiceStatus } from '../invoices/Invoice';
import { Payment } from '../payments/Payment';
import { paginateNewestFirst, type Page } from '../pagination';
import { parseInput } from '../validation';
import {
  accountsMatching,
  checkRanges,
  paymentColumnOfStripeId,
  transactionFilterFields,
} from './transactionFilters';

const STATUSES = [
  'draft',
  'open',
  'paid',
  'void',
  'uncollectible',
] as const satisfies readonly InvoiceStatus[];

const input = z.object({
  filter: z
    .object({
      ...transactionFilterFields,
      status: z.enum(STATUSES, { message: 'is not an invoice status' }).nullish(),
    })
    .default({}),
});

export type InvoiceFilter = z.input<typeof input>['filter'];
export type InvoiceSearchPage = Page<Invoice>;
export interface InvoiceSearchEdge {
  cursor: string;
  node: Invoice;
}

/**
 * Every account's invoices, newest first (recorded at, then id). The search matches the account (name,
 * external id, billing email) or, exactly, the invoice's number, its Stripe id (in_) or the
 * PaymentIntent or charge of the payment that paid it. Amounts compare with the invoice's total.
 */
export async function searchInvoices({
  actor,
  filter,
  first,
  after,
}: {
  actor: Actor;
  filter?: InvoiceFilter | null;
  first?: number | null;
  after?: string | null;
}): Promise<InvoiceSearchPage> {
  requirePlatformAdmin(actor);
  const { filter: parsed } = parseInput(input, { filter: filter ?? undefined });
  checkRanges(parsed);
  const { search, status, currency, amountMin, amountMax, from, to } = parsed;
  const query = Invoice.query();
  if (search) {
    const paymentColumn = paymentColumnOfStripeId(search);
    if (paymentColumn === 'stripeInvoiceId') query.where('invoices.stripeInvoiceId', search);
    else if (paymentColumn === 'stripePaymentIntentId' || paymentColumn === 'stripeChargeId')
      query.whereIn(
        'invoices.id',
        Payment.query().select('invoiceId').whereNotNull('invoiceId').where(paymentColumn, search),
      );
    else
      query.where((where) =>
        where.whereIn('invoices.accountId', accountsMatching(search)).orWhere('invoices.number', search),
      );
  }
  if (status) query.where('invoices.status', status);
  if (currency) query.where('invoices.currency', currency);
  if (amountMin != null) query.where('invoices.total', '>=', amountMin);
  if (amountMax != null) query.where('invoices.total', '<=', amountMax);
  if (from) query.where('invoices.createdAt', '>=', from);
  if (to) query.where('invoices.createdAt', '<', to);
  return paginateNewestFirst({
    query,
    timestampColumn: 'invoices.createdAt',
    timestampOf: (invoice) => invoice.createdAt,
    first,
    after,
  });
}
