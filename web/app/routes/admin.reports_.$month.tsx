import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { ConfirmStep, FormError, Notice, PostButton } from '~/components/forms';
import { RevenueReportTable } from '~/components/RevenueReportTable';
import { Card, PageHeader } from '~/components/ui';
import { GenerateRevenueReportDocument, RevenueReportDocument } from '~/graphql/generated';
import { mutate, query, requireAdmin } from '~/lib/api.server';
import { asksConfirmation, confirmationNeeded } from '~/lib/confirmation';
import { useFormat } from '~/lib/formatContext';
import { safeRedirect } from '~/lib/redirects.server';
import { isReportMonth, monthName } from '~/lib/reportMonths';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Revenue report ${data ? monthName(data.report.month) : ''} — Admin` },
];

function monthOf(params: { month?: string }): string {
  const month = params.month ?? '';
  if (!isReportMonth(month)) throw new Response('Not found', { status: 404 });
  return month;
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const { revenueReport } = await query(context, request, RevenueReportDocument, { month: monthOf(params) });
  if (!revenueReport) throw new Response('Not found', { status: 404 });
  return { report: revenueReport };
}

/** Makes the month's report again, after asking: its stored figures are replaced. */
export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const month = monthOf(params);
  const confirm = confirmationNeeded(await request.formData(), {
    question: `Make the report for ${monthName(month)} again?`,
    consequence: 'Its figures are computed from the books as they are now and replace the stored ones.',
    action: 'Yes, make it again',
  });
  if (confirm) return confirm;
  const outcome = await mutate(context, request, GenerateRevenueReportDocument, { month });
  if (!outcome.ok) return outcome;
  return safeRedirect(`/admin/reports/${month}?done=generated`, { fallback: '/admin/reports' });
}

export default function RevenueReportPage() {
  const { formatDateTime } = useFormat();
  const { report } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [search] = useSearchParams();
  return (
    <>
      <p className="small">
        <Link to="/admin/reports">← Revenue reports</Link>
      </p>
      <PageHeader
        title={`Revenue report for ${monthName(report.month)}`}
        description={`Computed ${formatDateTime(report.generatedAt)}. Money is dated when Stripe moved it; amounts per currency.`}
        actions={
          <PostButton fields={{ intent: 'generate' }} className="button">
            Make it again
          </PostButton>
        }
      />
      {asksConfirmation(result) ? (
        <ConfirmStep request={result.confirm} />
      ) : search.get('done') === 'generated' && !result ? (
        <Notice tone="success">The report was made again from the books as they are now.</Notice>
      ) : (
        <FormError message={result && 'formError' in result ? result.formError : null} />
      )}
      <Card>
        <RevenueReportTable month={monthName(report.month)} currencies={report.currencies} />
      </Card>
    </>
  );
}
