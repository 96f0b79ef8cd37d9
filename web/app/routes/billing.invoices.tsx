import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData, useSearchParams } from '@remix-run/react';
import { PaymentHistory } from '~/components/PaymentHistory';
import { Card, EmptyState, NextPageLink, PageHeader, StatusBadge } from '~/components/ui';
import { InvoicesDocument } from '~/graphql/generated';
import { query, requireAccount } from '~/lib/api.server';
import { formatDate, formatMoney } from '~/lib/format';

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
  const { invoices, payments } = useLoaderData<typeof loader>();
  const [search] = useSearchParams();
  return (
    <>
      <PageHeader
        title="Invoices and payments"
        description="Every invoice and every payment. Open an invoice to see it as Stripe sent it, or download the PDF."
      />
      <div className="stack">
        <Card title="Invoices">
          {invoices.edges.length === 0 ? (
            <EmptyState>
              No invoices yet. They appear here when you subscribe to a paid plan or buy credits.
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Invoices, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col" className="hide-small">
                      Number
                    </th>
                    <th scope="col" className="hide-small">
                      For
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col" className="number">
                      Amount
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">Links</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {invoices.edges.map(({ node: invoice }) => (
                    <tr key={invoice.id}>
                      <td className="nowrap">
                        {formatDate(invoice.issuedAt)}
                        {invoice.number ? (
                          <div className="muted small show-small">{invoice.number}</div>
                        ) : null}
                      </td>
                      <td className="hide-small">{invoice.number ?? '—'}</td>
                      <td className="hide-small">
                        {invoice.lines
                          .map((line) => line.description)
                          .filter(Boolean)
                          .join(', ') || '—'}
                        {invoice.periodStart && invoice.periodEnd ? (
                          <div className="muted small">
                            {formatDate(invoice.periodStart)} – {formatDate(invoice.periodEnd)}
                          </div>
                        ) : null}
                      </td>
                      <td>
                        <StatusBadge status={invoice.status} />
                        {invoice.status === 'OPEN' && invoice.amountDue.amount > 0 ? (
                          <div className="small negative">{formatMoney(invoice.amountDue)} due</div>
                        ) : null}
                      </td>
                      <td className="number">{formatMoney(invoice.total)}</td>
                      <td className="nowrap">
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
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <NextPageLink
            endCursor={invoices.pageInfo.endCursor}
            hasNextPage={invoices.pageInfo.hasNextPage}
            search={search}
            label="Invoice pages"
          />
        </Card>
        <Card title="Payments">
          <PaymentHistory payments={payments.edges.map(({ node }) => node)} />
          <NextPageLink
            endCursor={payments.pageInfo.endCursor}
            hasNextPage={payments.pageInfo.hasNextPage}
            search={search}
            param="paymentsAfter"
            label="Payment pages"
          />
        </Card>
      </div>
    </>
  );
}
