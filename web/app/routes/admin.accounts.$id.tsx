import { randomUUID } from 'node:crypto';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { ContractPanel } from '~/components/ContractForm';
import { ContractTerms } from '~/components/ContractTerms';
import { ConfirmStep, Field, FormError, Notice, SelectField } from '~/components/forms';
import { InvoiceStatus } from '~/components/InvoiceStatus';
import { PaymentHistory } from '~/components/PaymentHistory';
import { RefundForm } from '~/components/RefundForm';
import { CreditLedgerTable } from '~/components/CreditLedger';
import { DataTable, type Column } from '~/components/DataTable';
import { EmptyState } from '~/components/EmptyState';
import { Card, PageHeader, StatusBadge } from '~/components/ui';
import {
  AdjustCreditsDocument,
  AdminAccountDocument,
  AdminTestClockDocument,
  AdvanceTestClockDocument,
  AttachTestClockDocument,
  CancelSubscriptionDocument,
  RefundPaymentDocument,
  type AdminAccountQuery,
  type CancellationRefund,
} from '~/graphql/generated';
import { field, invalid, mutate, query, requireAdmin, type ActionFailure } from '~/lib/api.server';
import { asksConfirmation, confirmationNeeded } from '~/lib/confirmation';
import { parseCredits, parseMoney } from '~/lib/format';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { changeContractTermFromForm, createContractFromForm } from '~/lib/contracts.server';
import { paymentTypeLabel, refundableAmount } from '~/lib/payments';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Account — Admin' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  const { account, plans, testClocksAvailable } = await query(context, request, AdminAccountDocument, {
    id: params.id!,
  });
  // A fresh key per rendered form: submitting the same form twice adjusts (or refunds, or contracts) once.
  return {
    account,
    plans,
    testClocksAvailable,
    adjustmentKey: randomUUID(),
    refundKey: randomUUID(),
    contractKey: randomUUID(),
  };
}

type ActionArgs = Pick<ActionFunctionArgs, 'request' | 'context'> & { accountId: string; form: FormData };

export async function action({ request, context, params }: ActionFunctionArgs) {
  await requireAdmin(context, request);
  const args = { request, context, accountId: params.id!, form: await request.formData() };
  // A failure names its form, so its errors show on that form only (two of them have an amount and a reason).
  switch (field(args.form, 'intent')) {
    case 'cancel-now':
      return withIntent('cancel-now', await cancelNow(args));
    case 'adjust':
      return withIntent('adjust', await adjustCredits(args));
    case 'refund':
      return withIntent('refund', await refund(args));
    case 'attach-clock':
      return withIntent('attach-clock', await attachClock(args));
    case 'advance-clock':
      return withIntent('advance-clock', await advanceClock(args));
    case 'contract-term':
      return withIntent('contract-term', await changeContractTermFromForm(args));
    case 'contract':
      return withIntent(
        'contract',
        await createContractFromForm({ ...args, currency: field(args.form, 'currency') }),
      );
    default:
      throw new Response('Unknown action.', { status: 400 });
  }
}

function withIntent<Intent extends string, Outcome extends object>(
  intent: Intent,
  outcome: Response | Outcome,
) {
  return outcome instanceof Response ? outcome : { ...outcome, intent };
}

const CANCELLATION_REFUNDS: ReadonlyArray<{ value: CancellationRefund; label: string }> = [
  { value: 'NONE', label: 'Nothing' },
  { value: 'PRORATED', label: 'The unused part of the period' },
  { value: 'FULL', label: 'All paid for the current period' },
];

async function cancelNow({ request, context, accountId, form }: ActionArgs) {
  const reason = field(form, 'reason');
  const refund = CANCELLATION_REFUNDS.find((choice) => choice.value === field(form, 'refund'))?.value;
  if (!reason || !refund)
    return invalid({
      ...(reason ? {} : { cancelReason: 'Say why the subscription ends now.' }),
      ...(refund ? {} : { cancelRefund: 'Choose what is refunded.' }),
    });
  const confirm = confirmationNeeded(form, {
    question: 'Cancel this subscription now?',
    consequence: `It ends at once and the account moves to the free plan; refunded: ${CANCELLATION_REFUNDS.find(
      (choice) => choice.value === refund,
    )!.label.toLowerCase()}. This cannot be undone.`,
    action: 'Yes, cancel now',
  });
  if (confirm) return confirm;
  const outcome = await mutate(context, request, CancelSubscriptionDocument, {
    input: { accountId, atPeriodEnd: false, reason, refund },
  });
  return outcome.ok ? safeRedirect(`/admin/accounts/${accountId}?done=canceled`) : outcome;
}

async function attachClock({ request, context, accountId }: ActionArgs) {
  const outcome = await mutate(context, request, AttachTestClockDocument, { input: { accountId } });
  return outcome.ok ? safeRedirect(`/admin/accounts/${accountId}?done=clock-attached`) : outcome;
}

/** Where each button moves the clock to, from the account's current simulated time. */
const CLOCK_STEPS = ['day', 'week', 'month', 'renewal', 'date'] as const;

async function advanceClock({ request, context, accountId, form }: ActionArgs) {
  const step = CLOCK_STEPS.find((candidate) => candidate === field(form, 'step'));
  if (!step) return invalid({ clockDate: 'Choose how far to move the clock.' });
  const { account } = await query(context, request, AdminTestClockDocument, { id: accountId });
  if (!account.testClock) return invalid({ clockDate: 'This account is not on a test clock.' });
  const to = clockTarget(
    step,
    new Date(account.testClock.frozenTime),
    account.subscription,
    field(form, 'date'),
  );
  if (typeof to === 'string') return invalid({ clockDate: to });
  const outcome = await mutate(context, request, AdvanceTestClockDocument, {
    input: { accountId, to: to.toISOString() },
  });
  if (!outcome.ok) return { ...outcome, fieldErrors: { clockDate: outcome.fieldErrors.to } };
  return safeRedirect(`/admin/accounts/${accountId}?done=clock-advanced`);
}

/** The time a step reaches, or what is wrong with the request. */
function clockTarget(
  step: (typeof CLOCK_STEPS)[number],
  frozen: Date,
  subscription: { currentPeriodEnd?: string | null } | null | undefined,
  date: string,
): Date | string {
  const DAY_MS = 86_400_000;
  switch (step) {
    case 'day':
      return new Date(frozen.getTime() + DAY_MS);
    case 'week':
      return new Date(frozen.getTime() + 7 * DAY_MS);
    case 'month': {
      const next = new Date(frozen);
      next.setUTCMonth(next.getUTCMonth() + 1);
      // 31 January plus a month is the end of February, not 3 March.
      if (next.getUTCDate() !== frozen.getUTCDate()) next.setUTCDate(0);
      return next;
    }
    case 'renewal':
      return subscription?.currentPeriodEnd
        ? // Stripe charges a renewal an hour after the period ends (its invoice is a draft until then):
          // two hours past the end, the page shows the renewal paid or failed.
          new Date(new Date(subscription.currentPeriodEnd).getTime() + 2 * 3_600_000)
        : 'The account has no period to renew.';
    case 'date': {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return 'Enter a date such as 2027-03-01.';
      // The chosen day, at the clock's time of day.
      const to = new Date(`${date}T${frozen.toISOString().slice(11)}`);
      return Number.isNaN(to.getTime()) ? 'Enter a date such as 2027-03-01.' : to;
    }
  }
}

async function adjustCredits({ request, context, accountId, form }: ActionArgs) {
  const reason = field(form, 'reason');
  const amountMilliCredits = parseCredits(field(form, 'amount'));
  const problems: Record<string, string> = {};
  if (amountMilliCredits === null || amountMilliCredits === 0)
    problems.amount = 'Enter credits to add (e.g. 50) or take away (e.g. -12.5), up to three decimals.';
  if (!reason) problems.reason = 'A reason is required; it is kept in the ledger and the audit log.';
  if (Object.keys(problems).length > 0) return invalid(problems);
  const outcome = await mutate(context, request, AdjustCreditsDocument, {
    input: {
      accountId,
      amountMilliCredits: amountMilliCredits!,
      reason,
      idempotencyKey: field(form, 'idempotencyKey') || randomUUID(),
    },
  });
  if (!outcome.ok)
    return {
      ...outcome,
      fieldErrors: {
        amount: outcome.fieldErrors.amountMilliCredits ?? outcome.fieldErrors.amount,
        reason: outcome.fieldErrors.reason,
      },
    };
  return safeRedirect(`/admin/accounts/${accountId}?done=adjusted`);
}

/** The amount is typed in the currency's major units (12.50) and sent in minor units (1250), never as a float. */
async function refund({ request, context, accountId, form }: ActionArgs) {
  const paymentId = field(form, 'paymentId');
  const currency = field(form, 'currency');
  const amountText = field(form, 'amount');
  const reason = field(form, 'reason');
  const amount = amountText && /^[a-z]{3}$/.test(currency) ? parseMoney(amountText, currency) : null;
  const problems: Record<string, string> = {};
  if (amountText && amount === null)
    problems.amount = 'Enter an amount such as 5 or 12.50, or leave it empty to refund all that is left.';
  if (!reason) problems.reason = 'A reason is required; it is kept in the audit log.';
  if (Object.keys(problems).length > 0) return invalid(problems);
  const outcome = await mutate(context, request, RefundPaymentDocument, {
    input: { paymentId, amount, reason, idempotencyKey: field(form, 'idempotencyKey') || randomUUID() },
  });
  if (outcome.ok)
    return safeRedirect(
      `/admin/accounts/${accountId}?done=refunded&payment=${encodeURIComponent(paymentId)}`,
    );
  // The amount was checked above, so the API can only find it more than what is left (which the form's hint names).
  return {
    ...outcome,
    fieldErrors: {
      amount: outcome.fieldErrors.amount && 'That is more than is left to refund.',
      reason: outcome.fieldErrors.reason,
    },
  };
}

export default function AdminAccount() {
  const format = useFormat();
  const { formatCredits, formatDate, formatMoney } = format;
  const { account, plans, testClocksAvailable, adjustmentKey, refundKey, contractKey } =
    useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [search] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const subscription = account.subscription;
  const confirmCancel =
    actionData?.intent === 'cancel-now' && asksConfirmation(actionData) ? actionData.confirm : null;
  const failure = actionData?.intent === 'refund' || asksConfirmation(actionData) ? null : actionData;
  const errors = failure?.fieldErrors ?? {};
  const done = search.get('done');
  const payments = account.payments.edges.map(({ node }) => node);
  return (
    <>
      <PageHeader
        title={account.name}
        description={
          <>
            <Link to="/admin/accounts">← Accounts</Link> · {account.billingEmail ?? 'no billing email'}
            {account.externalId ? ` · external id ${account.externalId}` : ''} · since{' '}
            {formatDate(account.createdAt)}
          </>
        }
      />
      {done === 'adjusted' ? <Notice tone="success">Credits adjusted.</Notice> : null}
      {done === 'clock-attached' ? (
        <Notice tone="success">
          The account is on a test clock; its time stands still until you move it.
        </Notice>
      ) : null}
      {done === 'clock-advanced' && account.testClock ? (
        <Notice tone="success">
          The clock moved to {format.formatDateTime(account.testClock.frozenTime)}; everything due on the way
          has happened.
        </Notice>
      ) : null}
      {done === 'contract-term' ? <Notice tone="success">The contract’s term is changed.</Notice> : null}
      {done === 'contract' ? (
        <Notice tone="success">Contract started; the account is on its plan now.</Notice>
      ) : null}
      {done === 'canceled' ? (
        <Notice tone="success">Subscription canceled; the account is back on the free plan.</Notice>
      ) : null}
      {done === 'refunded' ? (
        <RefundResult
          payment={payments.find((payment) => payment.id === search.get('payment'))}
          balance={account.creditBalance.milliCredits}
        />
      ) : null}
      <FormError
        message={failure && Object.values(errors).every((problem) => !problem) ? failure.formError : null}
      />
      <div className="grid">
        <Card title="Subscription">
          {subscription ? (
            <>
              <p className="plan-name">
                {subscription.plan.name} <StatusBadge status={subscription.status} />
              </p>
              <p className="muted small">
                {account.contract ? (
                  <ContractTerms contract={account.contract} />
                ) : subscription.quantity > 1 ? (
                  // What the account pays, then how it is made up: the per-seat price alone misleads.
                  `${formatMoney({ ...subscription.plan.price, amount: subscription.plan.price.amount * subscription.quantity })} · ${subscription.quantity} seats at ${formatMoney(subscription.plan.price)}`
                ) : (
                  `${formatMoney(subscription.plan.price)} · 1 seat`
                )}
                {subscription.currentPeriodEnd
                  ? ` · period ends ${formatDate(subscription.currentPeriodEnd)}`
                  : ''}
                {subscription.cancelAtPeriodEnd ? ' · cancels at period end' : ''}
                {subscription.gracePeriodEndsAt
                  ? ` · grace period ends ${formatDate(subscription.gracePeriodEndsAt)}`
                  : ''}
              </p>
              {confirmCancel ? <ConfirmStep request={confirmCancel} busy={busy} /> : null}
              {subscription.plan.price.amount > 0 && !confirmCancel ? (
                <Form method="post" className="stack">
                  <input type="hidden" name="intent" value="cancel-now" />
                  <Field
                    label="Reason for canceling now"
                    name="reason"
                    id="cancel-reason"
                    error={errors.cancelReason}
                  />
                  <SelectField
                    label="Refund"
                    name="refund"
                    id="cancel-refund"
                    options={CANCELLATION_REFUNDS}
                    defaultValue="NONE"
                    error={errors.cancelRefund}
                  />
                  <button type="submit" className="button button-danger" disabled={busy}>
                    Cancel now
                  </button>
                </Form>
              ) : null}
            </>
          ) : (
            <EmptyState>No subscription.</EmptyState>
          )}
          <h3 className="section">Members</h3>
          <ul className="small">
            {account.members.map((member) => (
              <li key={member.user.email}>
                {member.user.email} ({member.role.toLowerCase()})
              </li>
            ))}
          </ul>
        </Card>
        {testClocksAvailable ? (
          <Card title="Test clock">
            <TestClockPanel
              testClock={account.testClock}
              hasPeriod={Boolean(subscription?.currentPeriodEnd)}
              error={errors.clockDate}
              busy={busy}
            />
          </Card>
        ) : null}
        <Card title="Custom contract">
          <ContractPanel
            contract={account.contract}
            plans={plans}
            currency={account.currency}
            idempotencyKey={contractKey}
            errors={errors}
            busy={busy}
          />
        </Card>
        <Card title="Credits">
          <p className="big-number">{formatCredits(account.creditBalance.milliCredits)}</p>
          {/* Keyed by the newest ledger entry: after an adjustment the form starts empty; a refused one keeps what was typed. */}
          <Form method="post" key={account.creditLedger.edges[0]?.node.id}>
            <input type="hidden" name="intent" value="adjust" />
            <input type="hidden" name="idempotencyKey" value={adjustmentKey} />
            <Field
              label="Credits to add or take away"
              name="amount"
              inputMode="decimal"
              placeholder="e.g. 50 or -12.5"
              error={errors.amount}
            />
            <Field
              label="Reason"
              name="reason"
              error={errors.reason}
              hint="Required. Shown in the ledger and the audit log."
            />
            <button type="submit" className="button button-primary" disabled={busy}>
              Adjust credits
            </button>
          </Form>
        </Card>
      </div>
      <Card
        title="Payments (latest)"
        className="section"
        footer={
          <Link to={`/admin/notifications?accountId=${account.id}`}>
            Notifications sent to this account →
          </Link>
        }
      >
        <RefundPanel
          payments={payments}
          refundKey={refundKey}
          failure={actionData?.intent === 'refund' && !asksConfirmation(actionData) ? actionData : null}
        />
        <PaymentHistory
          payments={payments}
          actions={(payment) =>
            refundableAmount(payment) > 0 ? (
              <Link to={`?refund=${payment.id}#refund`} className="button button-small" preventScrollReset>
                Refund
                <span className="visually-hidden">{` the payment of ${formatMoney(payment.amount)} on ${formatDate(payment.createdAt)}`}</span>
              </Link>
            ) : null
          }
        />
      </Card>
      <div className="grid section">
        <Card title="Ledger (latest)">
          <CreditLedgerTable
            caption="Latest ledger entries, newest first"
            entries={account.creditLedger.edges.map(({ node }) => node)}
            empty="No ledger entries."
          />
        </Card>
        <Card title="Invoices">
          <DataTable
            caption="Latest invoices, newest first"
            columns={INVOICE_COLUMNS(format)}
            rows={account.invoices.edges.map(({ node }) => node)}
            rowKey={(invoice) => invoice.id}
            empty="No invoices."
          />
        </Card>
      </div>
      <Card
        title="Audit log"
        className="audit section"
        footer={<span className="muted small">Newest first; the log is append-only.</span>}
      >
        <DataTable
          caption="Audit log, newest first"
          columns={AUDIT_COLUMNS(format)}
          rows={account.auditLog.edges.map(({ node }) => node)}
          rowKey={(entry) => entry.id}
          empty="Nothing recorded."
        />
      </Card>
    </>
  );
}

type Account = AdminAccountQuery['account'];
type Payment = Account['payments']['edges'][number]['node'];

const INVOICE_COLUMNS = ({
  formatMoney,
  formatDate,
}: Formatter): Array<Column<Account['invoices']['edges'][number]['node']>> => [
  { header: 'Date', small: true, nowrap: true, cell: (invoice) => formatDate(invoice.issuedAt) },
  {
    header: 'Number',
    cell: (invoice) =>
      invoice.hostedInvoiceUrl ? (
        <a href={invoice.hostedInvoiceUrl}>{invoice.number ?? 'Invoice'}</a>
      ) : (
        (invoice.number ?? 'Invoice')
      ),
  },
  { header: 'Status', cell: (invoice) => <InvoiceStatus invoice={invoice} /> },
  { header: 'Total', numeric: true, cell: (invoice) => formatMoney(invoice.total) },
];

const ACTOR_KINDS: Record<string, string> = {
  user: 'Person',
  api_key: 'API key',
  system: 'System',
  stripe: 'Stripe',
};

/** `subscription.canceled_now` reads "Subscription canceled now". */
function actionInWords(action: string): string {
  const words = action.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const AUDIT_COLUMNS = ({
  formatDateTime,
}: Formatter): Array<Column<Account['auditLog']['edges'][number]['node']>> => [
  { header: 'When', small: true, nowrap: true, cell: (entry) => formatDateTime(entry.createdAt) },
  {
    header: 'What',
    cell: (entry) => (
      <>
        {actionInWords(entry.action)}
        {entry.reason ? <div className="muted small">“{entry.reason}”</div> : null}
      </>
    ),
  },
  {
    header: 'Who',
    small: true,
    cell: (entry) => (
      <>
        {entry.actorName ?? (entry.actorId ? `${entry.actorId.slice(0, 8)} (removed)` : 'Unknown')}
        <div className="muted">{ACTOR_KINDS[entry.actorType] ?? entry.actorType}</div>
      </>
    ),
  },
  {
    header: 'Details',
    hideOnPhone: true,
    // The record as it was written, for whoever needs it; folded, so the log reads as sentences.
    cell: (entry) =>
      entry.detailsJson === '{}' ? null : (
        <details>
          <summary>Details</summary>
          <pre className="details">{JSON.stringify(JSON.parse(entry.detailsJson), null, 2)}</pre>
        </details>
      ),
  },
];

/** The refund form for the payment `?refund=<id>` names, when it can still be refunded. */
function RefundPanel({
  payments,
  refundKey,
  failure,
}: {
  payments: Payment[];
  refundKey: string;
  failure: (ActionFailure & { fieldErrors: Record<string, string | undefined> }) | null;
}) {
  const [search] = useSearchParams();
  const payment = payments.find((candidate) => candidate.id === search.get('refund'));
  if (!payment || refundableAmount(payment) <= 0) return null;
  return <RefundForm payment={payment} idempotencyKey={refundKey} failure={failure} />;
}

/** What the refund did: the amount now refunded and, for a credit purchase, the balance after its clawback. */
function RefundResult({ payment, balance }: { payment: Payment | undefined; balance: number }) {
  const { formatCredits, formatMoney } = useFormat();
  if (!payment) return <Notice tone="success">Refunded.</Notice>;
  return (
    <Notice tone="success">
      Refunded: {formatMoney(payment.amountRefunded)} of the {formatMoney(payment.amount)}{' '}
      {paymentTypeLabel(payment).toLowerCase()} is now refunded.
      {payment.type === 'CREDIT_TOP_UP'
        ? ` Its unspent credits were taken back: the balance is now ${formatCredits(balance)} credits.`
        : ''}
    </Notice>
  );
}

/**
 * Moves the account through time (development and Stripe test mode): renewals, trial ends, retries and
 * grace periods happen as the clock passes them.
 */
function TestClockPanel({
  testClock,
  hasPeriod,
  error,
  busy,
}: {
  testClock: Account['testClock'];
  hasPeriod: boolean;
  error: string | undefined;
  busy: boolean;
}) {
  const { formatDateTime } = useFormat();
  if (!testClock)
    return (
      <Form method="post" className="stack">
        <input type="hidden" name="intent" value="attach-clock" />
        <p className="muted small">
          Put the account on a Stripe test clock to watch its renewals, trial end, failed payments and grace
          period happen. Only before its first checkout; its time then stands still until you move it.
        </p>
        <button type="submit" className="button" disabled={busy}>
          Put on a test clock
        </button>
      </Form>
    );
  return (
    <Form method="post" className="stack">
      <input type="hidden" name="intent" value="advance-clock" />
      <p>
        Simulated date: <strong data-testid="simulated-date">{formatDateTime(testClock.frozenTime)}</strong>
      </p>
      <p className="muted small">Stripe clock {testClock.stripeTestClockId}</p>
      <div className="button-row">
        <button type="submit" name="step" value="day" className="button button-small" disabled={busy}>
          +1 day
        </button>
        <button type="submit" name="step" value="week" className="button button-small" disabled={busy}>
          +1 week
        </button>
        <button type="submit" name="step" value="month" className="button button-small" disabled={busy}>
          +1 month
        </button>
        {hasPeriod ? (
          <button type="submit" name="step" value="renewal" className="button button-small" disabled={busy}>
            To the next renewal
          </button>
        ) : null}
      </div>
      <Field
        label="Or move to a date"
        name="date"
        id="clock-date"
        type="date"
        error={error}
        hint="At most two years at once; the clock only moves forward."
      />
      <button type="submit" name="step" value="date" className="button button-small" disabled={busy}>
        Move to this date
      </button>
    </Form>
  );
}
