import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { FormError, Notice } from '~/components/forms';
import { ReconciliationReport } from '~/components/ReconciliationReport';
import { Card, PageHeader } from '~/components/ui';
import { RunReconciliationDocument, SystemHealthDocument } from '~/graphql/generated';
import { mutate, query, requireAdmin } from '~/lib/api.server';
import { useFormat } from '~/lib/formatContext';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Health — Admin' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return query(context, request, SystemHealthDocument, {});
}

/** Checks the books now; the page then shows the new report, which is the latest. */
export async function action({ request, context }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const outcome = await mutate(context, request, RunReconciliationDocument, {});
  return outcome.ok ? safeRedirect('/admin/health?reconciled=1#books') : outcome;
}

export default function Health() {
  const { formatDateTime } = useFormat();
  const { systemHealth: health, reconciliation } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const running = useNavigation().state === 'submitting';
  const checks = [
    { name: 'Database', check: health.database },
    { name: 'Migrations', check: health.migrations },
    { name: 'Job queue (notifications outbox)', check: health.jobQueue },
  ];
  return (
    <>
      <PageHeader title="System health" description={`Checked ${formatDateTime(health.checkedAt)}`} />
      <div className="grid">
        {checks.map(({ name, check }) => (
          <Card key={name} title={name}>
            <p className="plan-name">
              <span className={`badge ${check.ok ? 'badge-good' : 'badge-bad'}`}>
                {check.ok ? 'OK' : 'Problem'}
              </span>
            </p>
            <p>{check.detail}</p>
          </Card>
        ))}
        <Card title="Stripe">
          <p className="plan-name">
            <span className={`badge ${health.stripeMode === 'REAL' ? 'badge-good' : 'badge-warn'}`}>
              {health.stripeMode === 'REAL' ? 'Real Stripe' : 'Emulated'}
            </span>
          </p>
          <p>
            {health.stripeMode === 'REAL'
              ? 'Payments go through Stripe.'
              : 'The built-in Stripe emulator: no money moves.'}
          </p>
        </Card>
      </div>
      <section id="books" className="section">
        <Card
          title="The books"
          footer={
            <Form method="post">
              <button type="submit" className="button" disabled={running}>
                {running ? 'Checking…' : 'Run now'}
                <span className="visually-hidden"> the check of the books</span>
              </button>
            </Form>
          }
        >
          {search.get('reconciled') && reconciliation ? (
            <Notice tone={reconciliation.balanced ? 'success' : 'warning'}>
              The books were checked just now.
            </Notice>
          ) : null}
          <FormError message={failure?.formError} />
          <p className="muted small">
            Credit balances against their ledgers, grants against what was spent from them, paid credit
            purchases against their grants, and recent payments against Stripe. The check reports; it never
            changes anything.
          </p>
          <ReconciliationReport report={reconciliation} />
        </Card>
      </section>
    </>
  );
}
