import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { paginateNewestFirst, type Page } from '../pagination';
import { Invoice } from './Invoice';

export type InvoicePage = Page<Invoice>;

export async function listInvoices({
  actor,
  accountId,
  first,
  after,
}: {
  actor: Actor;
  accountId: string;
  first?: number | null;
  after?: string | null;
}) {
  await authorizeAccount({ actor, accountId, permission: 'billing.read' });
  return paginateNewestFirst({
    query: Invoice.query().where({ accountId }),
    timestampColumn: 'invoices.issued_at',
    timestampOf: (invoice) => invoice.issuedAt,
    first,
    after,
  });
}
