import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { InvoiceStatus } from '~/components/InvoiceStatus';
import { PaymentHistory } from '~/components/PaymentHistory';
import { Card, PageHeader } from '~/components/ui';
import { InvoicesDocument, type InvoicesQuery } from '~/graphql/generated';
import { query, requireAccount } from '~/lib/api.server';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';

export const meta: MetaFunction = () => [{ title: 'Invoices and payments — Billing' }];

/** Invoices and payments page separately (`after`, `paymentsAfter`): paging one list keeps the other in place. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const search = new URL(request.url).searchParams;
  const { account } = await query(context, request, InvoicesDocument, {
    accountId,
    after: search.get('after'),
    paymentsAfter: search.get('paymentsAfter'),
  });
  return { invoices: account.invoices, payments: account.payments };
}

export default function Invoices() {
  const format = useFormat();
  const { invoices, payments } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader
        title="Invoices and payments"
        description="Every invoice and every payment. Open an invoice to see it as Stripe sent it, or download the PDF."
      />
      <div className="stack">
        <Card title="Invoices">
          <DataTable
            caption="Invoices, newest first"
            columns={INVOICE_COLUMNS(format)}
            rows={invoices.edges.map(({ node }) => node)}
            rowKey={(invoice) => invoice.id}
            empty="No invoices yet. They appear here when you subscribe to a paid plan or buy credits."
            pageInfo={invoices.pageInfo}
            pagesLabel="Invoice pages"
          />
        </Card>
        <Card title="Payments">
          <PaymentHistory
            payments={payments.edges.map(({ node }) => node)}
            pageInfo={payments.pageInfo}
            pageParam="paymentsAfter"
            pagesLabel="Payment pages"
          />
        </Card>
      </div>
    </>
  );
}

type Invoice = InvoicesQuery['account']['invoices']['edges'][number]['node'];

/**
 * The time the invoice pays for, from its lines (a plan's line covers its period; a proration, the rest
 * of one). Stripe's own invoice period is the usage period before the invoice, which is a single
 * instant for an invoice raised by a change, so it is not shown. Nothing when no line has a period.
 */
function servicePeriodOf(invoice: Invoice, formatDate: Formatter['formatDate']) {
  const periods = invoice.lines.filter(
    (line): line is typeof line & { periodStart: string; periodEnd: string } =>
      Boolean(line.periodStart && line.periodEnd) && line.periodEnd! > line.periodStart!,
  );
  if (periods.length === 0) return null;
  const start = periods.map((line) => line.periodStart).sort()[0]!;
  const end = periods
    .map((line) => line.periodEnd)
    .sort()
    .at(-1)!;
  return (
    <div className="muted small">
      {formatDate(start)} – {formatDate(end)}
    </div>
  );
}

const INVOICE_COLUMNS = ({ formatMoney, formatDate }: Formatter): Array<Column<Invoice>> => [
  {
    header: 'Date',
    nowrap: true,
    cell: (invoice) => (
      <>
        {formatDate(invoice.issuedAt)}
        {invoice.number ? <div className="muted small show-small">{invoice.number}</div> : null}
      </>
    ),
  },
  { header: 'Number', hideOnPhone: true, cell: (invoice) => invoice.number ?? '—' },
  {
    header: 'For',
    hideOnPhone: true,
    cell: (invoice) => (
      <>
        {invoice.lines
          .map((line) => line.description)
          .filter(Boolean)
          .join(', ') || '—'}
        {servicePeriodOf(invoice, formatDate)}
      </>
    ),
  },
  {
    header: 'Status',
    cell: (invoice) => <InvoiceStatus invoice={invoice} />,
  },
  { header: 'Amount', numeric: true, cell: (invoice) => formatMoney(invoice.total) },
  {
    header: 'Links',
    headerHidden: true,
    nowrap: true,
    cell: (invoice) => (
      <>
        {invoice.hostedInvoiceUrl ? (
          <a href={invoice.hostedInvoiceUrl} target="_blank" rel="noreferrer">
            {invoice.status === 'OPEN' ? 'Pay' : 'View'}
            <span className="visually-hidden"> invoice {invoice.number}</span>
          </a>
        ) : null}
        {invoice.invoicePdfUrl ? (
          <>
            {' · '}
            <a href={invoice.invoicePdfUrl} download>
              PDF<span className="visually-hidden"> of invoice {invoice.number}</span>
            </a>
          </>
        ) : null}
      </>
    ),
  },
];
