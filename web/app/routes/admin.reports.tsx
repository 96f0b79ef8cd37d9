import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { ConfirmStep, Field, FormError } from '~/components/forms';
import { Card, PageHeader } from '~/components/ui';
import {
  GenerateRevenueReportDocument,
  RevenueReportDocument,
  RevenueReportsDocument,
  type RevenueReportsQuery,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAdmin } from '~/lib/api.server';
import { asksConfirmation, confirmationNeeded } from '~/lib/confirmation';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { safeRedirect } from '~/lib/redirects.server';
import { isReportMonth, lastEndedMonth, monthName } from '~/lib/reportMonths';

export const meta: MetaFunction = () => [{ title: 'Revenue reports — Admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const { revenueReports } = await query(context, request, RevenueReportsDocument, {});
  return { reports: revenueReports, latestMonth: lastEndedMonth(new Date()) };
}

/** Makes a month's report; one already stored is made again only after asking, as it replaces its figures. */
export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const form = await request.formData();
  const month = field(form, 'month').trim();
  if (!isReportMonth(month)) return invalid({ month: 'Choose a month, such as 2026-01.' });
  const { revenueReport: stored } = await query(context, request, RevenueReportDocument, { month });
  const confirm =
    stored &&
    confirmationNeeded(form, {
      question: `Make the report for ${monthName(month)} again?`,
      consequence: 'Its figures are computed from the books as they are now and replace the stored ones.',
      action: 'Yes, make it again',
    });
  if (confirm) return confirm;
  const outcome = await mutate(context, request, GenerateRevenueReportDocument, { month });
  if (!outcome.ok) return outcome;
  return safeRedirect(`/admin/reports/${outcome.data.generateRevenueReport.month}`, {
    fallback: '/admin/reports',
  });
}

/** The monthly revenue reports: one made on the 1st of each month for the month before, and on demand. */
export default function RevenueReports() {
  const format = useFormat();
  const { reports, latestMonth } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = result && !asksConfirmation(result) ? result : undefined;
  return (
    <>
      <PageHeader
        title="Revenue reports"
        description="Each month's money and subscriptions, by currency. A report is made on the 1st for the month before and emailed to platform admins."
        actions={<Link to="/admin/revenue">Revenue metrics</Link>}
      />
      <Card>
        <DataTable
          caption="Monthly revenue reports, latest first"
          columns={columnsFor(format)}
          rows={reports}
          rowKey={(report) => report.id}
          empty="No report yet: the first is made on the 1st of next month, or make one below."
        />
      </Card>
      {asksConfirmation(result) ? <ConfirmStep request={result.confirm} /> : null}
      <Card title="Make a report now">
        <Form method="post" className="editor-row">
          <Field
            label="Month"
            name="month"
            id="month"
            type="month"
            max={latestMonth}
            defaultValue={latestMonth}
            hint="A month that is over. Making a stored month's report again replaces its figures."
            error={failure?.fieldErrors?.month}
          />
          <button type="submit" className="button button-primary">
            Make the report
          </button>
        </Form>
        <FormError message={failure && !failure.fieldErrors?.month ? failure.formError : null} />
      </Card>
    </>
  );
}

type Report = RevenueReportsQuery['revenueReports'][number];

const columnsFor = ({ formatDateTime, formatMoney }: Formatter): Array<Column<Report>> => [
  {
    header: 'Month',
    cell: (report) => <Link to={`/admin/reports/${report.month}`}>{monthName(report.month)}</Link>,
  },
  {
    header: 'Net',
    cell: (report) =>
      report.currencies.length === 0
        ? '—'
        : report.currencies.map((figures) => <div key={figures.currency}>{formatMoney(figures.net)}</div>),
  },
  {
    header: 'Generated',
    hideOnPhone: true,
    small: true,
    nowrap: true,
    cell: (report) => formatDateTime(report.generatedAt),
  },
];
