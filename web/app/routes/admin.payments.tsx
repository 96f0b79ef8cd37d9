import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { FormError } from '~/components/forms';
import { TransactionFilters } from '~/components/TransactionFilters';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import {
  AdminPaymentsDocument,
  type AdminPaymentFilter,
  type AdminPaymentsQuery,
  type PaymentKind,
  type PaymentStatus,
} from '~/graphql/generated';
import { queryOutcome, requireAdmin } from '~/lib/api.server';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { paymentTypeLabel } from '~/lib/payments';
import { formFieldErrors, readTransactionFilter } from '~/lib/transactionFilters';

export const meta: MetaFunction = () => [{ title: 'Payments — Admin' }];

const STATUSES: PaymentStatus[] = ['COMPLETED', 'FAILED', 'REFUNDED', 'PENDING', 'CANCELLED'];
const KINDS: Array<{ value: PaymentKind; label: string }> = [
  { value: 'SUBSCRIPTION', label: 'Subscription' },
  { value: 'CREDIT_PURCHASE', label: 'Credit purchase' },
  { value: 'REFUND', label: 'Refund' },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const params = new URL(request.url).searchParams;
  const form = readTransactionFilter(params, { statuses: STATUSES, kinds: KINDS.map((kind) => kind.value) });
  const none = { payments: null, formError: null, ...form };
  if (Object.keys(form.fieldErrors).length > 0)
    return { ...none, formError: 'Please correct the filters marked below.' };
  const outcome = await queryOutcome(context, request, AdminPaymentsDocument, {
    filter: form.filter as AdminPaymentFilter,
    after: params.get('after'),
  });
  if (!outcome.ok)
    return { ...none, formError: outcome.formError, fieldErrors: formFieldErrors(outcome.fieldErrors) };
  return { ...none, payments: outcome.data.adminPayments };
}

/** Every account's payments: find a charge by its account or its Stripe id, and filter the list. */
export default function AdminPayments() {
  const format = useFormat();
  const { payments, values, fieldErrors, formError } = useLoaderData<typeof loader>();
  return (
    <>
      <PageHeader
        title="Payments"
        description="Every account's charges and refunds, newest first. Refund a payment from its account's page."
      />
      <TransactionFilters
        values={values}
        fieldErrors={fieldErrors}
        statuses={STATUSES}
        kinds={KINDS}
        searchHint="Account name, external id, email, or pi_/ch_/in_/re_ id"
      />
      <FormError message={formError} />
      {payments ? (
        <Card>
          <DataTable
            caption="Payments, newest first"
            columns={columnsFor(format)}
            rows={payments.edges}
            rowKey={(edge) => edge.node.id}
            empty="No payment matches."
            pageInfo={payments.pageInfo}
          />
        </Card>
      ) : null}
    </>
  );
}

type Edge = NonNullable<AdminPaymentsQuery['adminPayments']>['edges'][number];

const columnsFor = ({ formatDateTime, formatMoney }: Formatter): Array<Column<Edge>> => [
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
    header: 'Payment',
    cell: ({ node }) => (
      <>
        {paymentTypeLabel(node)}
        {node.description ? <div className="muted small">{node.description}</div> : null}
        {node.invoice?.hostedInvoiceUrl ? (
          <div className="small">
            <a href={node.invoice.hostedInvoiceUrl} rel="noreferrer">
              Invoice {node.invoice.number ?? ''}
            </a>
          </div>
        ) : null}
      </>
    ),
  },
  {
    header: 'Status',
    cell: ({ node }) => (
      <>
        <StatusBadge status={node.status} />
        {node.failureReason ? <div className="small negative">{node.failureReason}</div> : null}
      </>
    ),
  },
  {
    header: 'Amount',
    numeric: true,
    tone: ({ node }) => (node.type === 'REFUND' ? 'negative' : undefined),
    cell: ({ node }) => (
      <>
        {node.type === 'REFUND' ? '−' : ''}
        {formatMoney(node.amount)}
        {node.amountRefunded.amount > 0 && node.type !== 'REFUND' ? (
          <div className="muted small">{formatMoney(node.amountRefunded)} refunded</div>
        ) : null}
      </>
    ),
  },
  {
    header: 'Recorded',
    hideOnPhone: true,
    small: true,
    nowrap: true,
    cell: ({ node }) => formatDateTime(node.createdAt),
  },
];
