import { listInvoices } from '../../invoices/invoices';
import { getUpcomingInvoice } from '../../invoices/upcomingInvoice';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';
import { money, moneyFields } from '../money';

export const invoiceResolvers: Resolvers = {
  Account: {
    invoices: (account, { first, after }, { actor }) =>
      listInvoices({ actor, accountId: account.id, first, after }),
    upcomingInvoice: (account, _args, { actor }) => getUpcomingInvoice({ actor, accountId: account.id }),
  },
  Invoice: {
    ...moneyFields('subtotal', 'tax', 'total', 'amountPaid', 'amountDue'),
    lines: (invoice, _args, { loaders }) => loaders.linesByInvoiceId.load(invoice.id),
  },
  InvoiceLine: moneyFields('amount'),
  InvoiceConnection: connectionResolvers(),
  UpcomingInvoice: {
    ...moneyFields('total', 'amountDue'),
    lines: (invoice) =>
      invoice.lines.map((line) => ({ ...line, amount: money(line.amount, invoice.currency) })),
  },
  OverageCharge: moneyFields('amount'),
  InvoiceStatus: { DRAFT: 'draft', OPEN: 'open', PAID: 'paid', VOID: 'void', UNCOLLECTIBLE: 'uncollectible' },
  InvoiceLineKind: {
    SUBSCRIPTION: 'subscription',
    PRORATION: 'proration',
    USAGE_OVERAGE: 'usage_overage',
    CREDIT_PACKAGE: 'credit_package',
    OTHER: 'other',
  },
};
