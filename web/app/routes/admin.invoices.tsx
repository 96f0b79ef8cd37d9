import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { FormError } from '~/components/forms';
import { InvoiceStatus as InvoiceStatusCell } from '~/components/InvoiceStatus';
import { TransactionFilters } from '~/components/TransactionFilters';
import { Card, PageHeader } from '~/components/ui';
import {
  AdminInvoicesDocument,
  type AdminInvoiceFilter,
  type AdminInvoicesQuery,
  type InvoiceStatus,
} from '~/graphql/generated';
import { queryOutcome, requireAdmin } from '~/lib/api.server';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { formFieldErrors, readTransactionFilter } from '~/lib/transactionFilters';

export const meta: MetaFunction = () => [{ title: 'Invoices — Admin' }];

const STATUSES: InvoiceStatus[] = ['OPEN', 'PAID', 'DRAFT', 'VOID', 'UNCOLLECTIBLE'];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const params = new URL(request.url).searchParams;
  const form = readTransactionFilter(params, { statuses: STATUSES });
  const none = { invoices: null, formError: null, ...form };
  if (Object.keys(form.fieldErrors).length > 0)
    return { ...none, formError: 'Please correct the filters marked below.' };
  const outcome = await queryOutcome(context, request, AdminInvoicesDocument, {
    filter: form.filter as AdminInvoiceFilter,
    after: params.get('after'),
  });
  if (!outcome.ok)
    return { ...none, formError: outcome.formError, fieldErrors: formFieldErrors(outcome.fieldErrors) };
  return { ...none, invoices: outcome.data.adminInvoices };
}

/** Every account's invoices: find one by its number, its Stripe id or its account, and open it. */
export default function AdminInvoices() {
  const format = useFormat();
  const { invoices, values, fieldErrors, formError } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader title="Invoices" description="Every account's invoices from Stripe, newest first." />
      <TransactionFilters
        values={values}
        fieldErrors={fieldErrors}
        statuses={STATUSES}
        searchHint="Account name, external id, email, invoice number, or in_/pi_/ch_ id"
      />
      <FormError message={formError} />
      {invoices ? (
        <Card>
          <DataTable
            caption="Invoices, newest first"
            columns={columnsFor(format)}
            rows={invoices.edges}
            rowKey={(edge) => edge.node.id}
            empty="No invoice matches."
            pageInfo={invoices.pageInfo}
          />
        </Card>
      ) : null}
    </>
  );
}

type Edge = NonNullable<AdminInvoicesQuery['adminInvoices']>['edges'][number];

const columnsFor = ({ formatDate, formatMoney }: Formatter): Array<Column<Edge>> => [
  {
    header: 'Account',
    cell: ({ account }) => (
      <>
        <Link to={`/admin/accounts/${account.id}`}>{account.name}</Link>
        <div className="muted small identifier">{account.billingEmail ?? account.externalId ?? ''}</div>
      </>
    ),
  },
  {
    header: 'Invoice',
    cell: ({ node }) => (
      <>
        {node.hostedInvoiceUrl ? (
          <a href={node.hostedInvoiceUrl} rel="noreferrer">
            {node.number ?? 'Draft'}
          </a>
        ) : (
          (node.number ?? 'Draft')
        )}
        {node.invoicePdfUrl ? (
          <div className="small">
            <a href={node.invoicePdfUrl} rel="noreferrer">
              PDF<span className="visually-hidden"> of {node.number ?? 'the draft'}</span>
            </a>
          </div>
        ) : null}
      </>
    ),
  },
  { header: 'Status', cell: ({ node }) => <InvoiceStatusCell invoice={node} /> },
  { header: 'Total', numeric: true, cell: ({ node }) => formatMoney(node.total) },
  { header: 'Issued', hideOnPhone: true, nowrap: true, cell: ({ node }) => formatDate(node.issuedAt) },
];
