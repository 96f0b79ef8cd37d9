import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { DataTable, type Column } from '~/components/DataTable';
import { ContractBadge, ContractTerms } from '~/components/ContractTerms';
import { EmptyState } from '~/components/EmptyState';
import { ContactSalesInstead } from '~/components/ContactSales';
import { Field, FormError, Notice, PostButton } from '~/components/forms';
import { InvoiceStatus } from '~/components/InvoiceStatus';
import { Card, PageHeader, StatusBadge, UsageBar } from '~/components/ui';
import { UpcomingInvoiceCard } from '~/components/UpcomingInvoiceCard';
import {
  BillingDashboardDocument,
  CancelScheduledPlanChangeDocument,
  CancelSubscriptionDocument,
  OpenBillingPortalDocument,
  ResumeSubscriptionDocument,
  StartSubscriptionCheckoutDocument,
  UpcomingInvoiceDocument,
  type BillingDashboardQuery,
  type UpcomingInvoiceQuery,
} from '~/graphql/generated';
import { field, mutate, query, queryOutcome, requireAccount } from '~/lib/api.server';
import { daysUntil, intervalLabel } from '~/lib/format';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { redirectToHostedPage, safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Billing — Billing' }];

type Account = BillingDashboardQuery['account'];
type Subscription = NonNullable<Account['subscription']>;

const RECENT_INVOICE_COLUMNS = ({
  formatMoney,
  formatDate,
}: Formatter): Array<Column<Account['invoices']['edges'][number]['node']>> => [
  { header: 'Date', cell: (invoice) => formatDate(invoice.issuedAt) },
  { header: 'Amount', numeric: true, cell: (invoice) => formatMoney(invoice.total) },
  { header: 'Status', cell: (invoice) => <InvoiceStatus invoice={invoice} /> },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId, canManageBilling } = await requireAccount(context, request);
  // The next invoice is Stripe's preview: when Stripe cannot be reached, the rest of the page still shows.
  const [{ account }, upcoming] = await Promise.all([
    query(context, request, BillingDashboardDocument, { accountId }),
    queryOutcome(context, request, UpcomingInvoiceDocument, { accountId }),
  ]);
  return {
    account,
    upcomingInvoice: upcoming.ok ? upcoming.data.account.upcomingInvoice : null,
    upcomingInvoiceUnavailable: !upcoming.ok,
    cardOnFile: upcoming.ok ? upcoming.data.account.cardOnFile : null,
    canManageBilling,
    now: new Date().toISOString(),
    salesContactUrl: context.salesContactUrl,
  };
}

/** The dashboard's buttons: each is one form, one intent, and lands back here with the outcome. */
export async function action({ request, context }: ActionFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const form = await request.formData();
  switch (field(form, 'intent')) {
    case 'cancel': {
      const outcome = await mutate(context, request, CancelSubscriptionDocument, {
        input: { accountId, atPeriodEnd: true, reason: field(form, 'reason') || null },
      });
      return outcome.ok ? safeRedirect('/billing?done=canceled') : outcome;
    }
    case 'resume': {
      const outcome = await mutate(context, request, ResumeSubscriptionDocument, { input: { accountId } });
      return outcome.ok ? safeRedirect('/billing?done=resumed') : outcome;
    }
    case 'keep-plan': {
      const outcome = await mutate(context, request, CancelScheduledPlanChangeDocument, {
        input: { accountId },
      });
      return outcome.ok ? safeRedirect('/billing?done=kept') : outcome;
    }
    case 'portal':
    case 'fix-payment': {
      const returnPath =
        field(form, 'intent') === 'fix-payment' ? '/billing?done=payment-method' : '/billing';
      const outcome = await mutate(context, request, OpenBillingPortalDocument, {
        input: { accountId, returnPath },
      });
      return outcome.ok ? redirectToHostedPage(outcome.data.openBillingPortal.url) : outcome;
    }
    case 'add-card': {
      // A card-less trial gets its card through Checkout, for the plan it is on; the days left are kept.
      const outcome = await mutate(context, request, StartSubscriptionCheckoutDocument, {
        input: { accountId, planId: field(form, 'planId') },
      });
      return outcome.ok ? redirectToHostedPage(outcome.data.startSubscriptionCheckout.url) : outcome;
    }
    default:
      throw new Response('Unknown action.', { status: 400 });
  }
}

const DONE_MESSAGES: Record<string, string> = {
  canceled:
    'Done: your subscription ends at the end of this period. Everything keeps working until then, and you can resume it.',
  resumed: 'Your subscription is back on: it will renew as usual.',
  kept: 'The scheduled change is undone: you stay on your current plan.',
  changed: 'Your plan is changed.',
  scheduled:
    'Your plan change is scheduled for your next renewal: until then your current plan and everything it includes stay as they are.',
  seats: 'Your seats are updated.',
  'payment-method':
    'A new card you saved pays the open invoice at once. If your plan still says past due in a moment, the card was declined: try another, or pay the open invoice.',
};

export default function BillingDashboard() {
  const format = useFormat();
  const { formatCredits } = format;
  const { account, upcomingInvoice, upcomingInvoiceUnavailable, cardOnFile, canManageBilling, now } =
    useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const [search] = useSearchParams();
  const subscription = account.subscription;
  const done = DONE_MESSAGES[search.get('done') ?? ''];
  const openInvoice = account.invoices.edges
    .map((edge) => edge.node)
    .find((invoice) => invoice.status === 'OPEN');

  return (
    <>
      <PageHeader title="Billing" description={account.name} />
      {done ? <Notice tone="success">{done}</Notice> : null}
      <FormError message={failure?.formError} />
      {subscription ? (
        <SubscriptionBanners
          subscription={subscription}
          now={now}
          canManageBilling={canManageBilling}
          openInvoiceUrl={openInvoice?.hostedInvoiceUrl ?? null}
        />
      ) : null}
      <div className="grid-2">
        <div className="stack">
          {subscription ? (
            <PlanCard
              subscription={subscription}
              contract={account.contract}
              canManageBilling={canManageBilling}
              confirmCancel={search.get('confirm') === 'cancel'}
              card={cardOnFile}
            />
          ) : null}
          <Card title="Usage this period" footer={<Link to="/billing/usage">See usage charts →</Link>}>
            <UsageList usage={account.usageSummary} />
          </Card>
        </div>
        <div className="stack">
          <Card
            title="Credit balance"
            footer={
              <Link to="/billing/credits" className="button button-small">
                Buy credits
              </Link>
            }
          >
            <p className="big-number">{formatCredits(account.creditBalance.milliCredits)}</p>
            <p className="muted small">credits</p>
            {account.creditBalance.low ? (
              <Notice tone="warning">
                Your balance is low. Top up to keep using actions paid with credits.
              </Notice>
            ) : null}
          </Card>
          <UpcomingInvoiceCard
            invoice={upcomingInvoice}
            unavailable={upcomingInvoiceUnavailable}
            subscription={subscription}
          />
          <Card title="Recent invoices" footer={<Link to="/billing/invoices">All invoices →</Link>}>
            <DataTable
              caption="Recent invoices"
              columns={RECENT_INVOICE_COLUMNS(format)}
              rows={account.invoices.edges.slice(0, 3).map(({ node }) => node)}
              rowKey={(invoice) => invoice.id}
              empty="No invoices yet."
              compact
            />
          </Card>
        </div>
      </div>
    </>
  );
}

function SubscriptionBanners({
  subscription,
  now,
  canManageBilling,
  openInvoiceUrl,
}: {
  subscription: Subscription;
  now: string;
  canManageBilling: boolean;
  openInvoiceUrl: string | null;
}) {
  const { formatDate } = useFormat();
  if (subscription.status === 'PAST_DUE') {
    return (
      <div className="banner banner-error" role="alert">
        <strong>Your last payment failed.</strong>{' '}
        {subscription.gracePeriodEndsAt
          ? `Update your payment method by ${formatDate(subscription.gracePeriodEndsAt)} to keep ${subscription.plan.name}; after that the account moves to the free plan.`
          : `Update your payment method to keep ${subscription.plan.name}.`}{' '}
        A new card pays the open invoice as soon as you save it.{' '}
        {canManageBilling ? (
          <PostButton fields={{ intent: 'fix-payment' }} className="button button-small" inline>
            Fix payment
          </PostButton>
        ) : null}
        {openInvoiceUrl ? (
          <>
            {' '}
            or <a href={openInvoiceUrl}>pay the open invoice</a>
          </>
        ) : null}
      </div>
    );
  }
  if (subscription.status === 'TRIALING' && subscription.trialEnd) {
    const days = daysUntil(subscription.trialEnd, new Date(now));
    return (
      <Notice tone="info">
        <strong>
          {days === 0
            ? 'Your trial ends today.'
            : `${days} ${days === 1 ? 'day' : 'days'} left in your trial`}
        </strong>{' '}
        of {subscription.plan.name} (until {formatDate(subscription.trialEnd)}).
        {subscription.trialWithoutCard
          ? ' Add a card to keep it afterwards: nothing is charged before the trial ends.'
          : null}
      </Notice>
    );
  }
  return null;
}

type CardOnFile = NonNullable<UpcomingInvoiceQuery['account']['cardOnFile']>;

const CARD_BRANDS: Record<string, string> = {
  amex: 'American Express',
  cartes_bancaires: 'Cartes Bancaires',
  diners: 'Diners Club',
  discover: 'Discover',
  eftpos_au: 'eftpos',
  jcb: 'JCB',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

/** "Visa ending in 4242, expires 12/2034". */
function describeCard(card: CardOnFile): string {
  const brand = CARD_BRANDS[card.brand] ?? 'Card';
  return `${brand} ending in ${card.last4}, expires ${String(card.expMonth).padStart(2, '0')}/${card.expYear}`;
}

function PlanCard({
  subscription,
  contract,
  canManageBilling,
  confirmCancel,
  card,
}: {
  subscription: Subscription;
  contract: Account['contract'];
  canManageBilling: boolean;
  confirmCancel: boolean;
  card: CardOnFile | null;
}) {
  const { formatDate, formatMoney } = useFormat();
  const { plan } = subscription;
  if (contract)
    return (
      <ContractPlanCard subscription={subscription} contract={contract} canManageBilling={canManageBilling} />
    );
  const { salesContactUrl, account } = useLoaderData<typeof loader>();
  const selfServe = account.selfServeBilling;
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const paid = plan.price.amount > 0 && plan.interval !== 'LIFETIME';
  const price = { ...plan.price, amount: plan.price.amount * (plan.perSeat ? subscription.quantity : 1) };
  return (
    <Card title="Current plan">
      <p className="plan-name">
        {plan.name} <StatusBadge status={subscription.status} />
      </p>
      <p className="muted">
        {plan.price.amount === 0
          ? 'No charge. Upgrade for bigger allowances, credits included every month and a free trial.'
          : `${formatMoney(price)} ${plan.interval === 'LIFETIME' ? 'paid once' : `per ${intervalLabel(plan.interval)}`}${plan.perSeat ? ` · ${subscription.quantity} ${subscription.quantity === 1 ? 'seat' : 'seats'}` : ''}`}
      </p>
      {card && paid ? <p className="muted small">Paid with {describeCard(card)}.</p> : null}
      {subscription.cancelAtPeriodEnd && subscription.currentPeriodEnd ? (
        <Notice tone="warning">
          Cancels on {formatDate(subscription.currentPeriodEnd)}. Until then everything keeps working.
        </Notice>
      ) : null}
      {subscription.scheduledChange ? (
        <Notice tone="info">
          Changes to {subscription.scheduledChange.plan.name} on{' '}
          {formatDate(subscription.scheduledChange.effectiveAt)}.
        </Notice>
      ) : null}
      {!canManageBilling ? (
        <p className="muted small">Only the account’s owners and admins can change its plan.</p>
      ) : confirmCancel && paid && !subscription.cancelAtPeriodEnd ? (
        <Form method="post" className="stack">
          <input type="hidden" name="intent" value="cancel" />
          <p>
            <strong>Cancel {plan.name}?</strong> It stays active until{' '}
            {subscription.currentPeriodEnd
              ? formatDate(subscription.currentPeriodEnd)
              : 'the end of the period'}
            , then the account moves to the free plan. You can resume until then.
          </p>
          <Field label="Why are you leaving? (optional)" name="reason" type="text" maxLength={500} />
          <div className="page-actions">
            <button type="submit" className="button button-danger" disabled={busy}>
              Cancel subscription
            </button>
            <Link to="/billing" className="button">
              Keep my plan
            </Link>
          </div>
        </Form>
      ) : (
        <div className="card-footer">
          {!selfServe ? (
            <ContactSalesInstead salesContactUrl={salesContactUrl} action="change your plan" />
          ) : paid ? (
            <Link to="/pricing" className="button button-primary">
              Change plan
            </Link>
          ) : (
            <Link to="/pricing" className="button button-primary">
              Upgrade
            </Link>
          )}
          {selfServe && paid && plan.perSeat ? (
            <Link to={`/billing/plan?seats=${subscription.quantity}`} className="button">
              Change seats
            </Link>
          ) : null}
          {subscription.trialWithoutCard ? (
            selfServe ? (
              <PostButton fields={{ intent: 'add-card', planId: plan.id }} disabled={busy}>
                Add a card
              </PostButton>
            ) : null
          ) : paid ? (
            <PostButton fields={{ intent: 'portal' }} disabled={busy}>
              Payment methods
            </PostButton>
          ) : null}
          {subscription.scheduledChange ? (
            <PostButton fields={{ intent: 'keep-plan' }} disabled={busy}>
              Keep {plan.name}
            </PostButton>
          ) : null}
          {paid && subscription.cancelAtPeriodEnd ? (
            <PostButton fields={{ intent: 'resume' }} disabled={busy}>
              Resume subscription
            </PostButton>
          ) : paid ? (
            <Link to="?confirm=cancel" className="button button-quiet">
              Cancel subscription
            </Link>
          ) : null}
        </div>
      )}
    </Card>
  );
}

/** A plan on a custom contract: its own price and terms, changed through sales rather than here. */
function ContractPlanCard({
  subscription,
  contract,
  canManageBilling,
}: {
  subscription: Subscription;
  contract: NonNullable<Account['contract']>;
  canManageBilling: boolean;
}) {
  const { salesContactUrl } = useLoaderData<typeof loader>();
  const busy = useNavigation().state === 'submitting';
  return (
    <Card title="Current plan">
      <p className="plan-name">
        {subscription.plan.name} <ContractBadge /> <StatusBadge status={subscription.status} />
      </p>
      <p className="muted">
        <ContractTerms contract={contract} />
      </p>
      <p className="muted small">
        Your plan is a custom contract; <a href={salesContactUrl}>contact sales</a> to change it.
      </p>
      {canManageBilling && contract.billing === 'CARD' ? (
        <div className="card-footer">
          <PostButton fields={{ intent: 'portal' }} disabled={busy}>
            Payment methods
          </PostButton>
        </div>
      ) : null}
    </Card>
  );
}

function UsageList({ usage }: { usage: Account['usageSummary'] }) {
  const { formatNumber } = useFormat();
  if (usage.length === 0) return <EmptyState>No usage recorded this period.</EmptyState>;
  return (
    <div>
      {usage.map((meterUsage) =>
        meterUsage.included !== null && !meterUsage.unlimited ? (
          <UsageBar
            key={meterUsage.meter.key}
            label={meterUsage.meter.name}
            used={meterUsage.quantity}
            included={meterUsage.included}
            unit={meterUsage.meter.unit}
          />
        ) : (
          <div key={meterUsage.meter.key} className="usage-bar usage-bar-label">
            <span>{meterUsage.meter.name}</span>
            <span className="muted">
              {formatNumber(meterUsage.quantity)} {plural(meterUsage.meter.unit, meterUsage.quantity)}
              {meterUsage.unlimited ? ' · unlimited' : ''}
            </span>
          </div>
        ),
      )}
    </div>
  );
}

function plural(unit: string, quantity: number): string {
  return quantity === 1 || /^[A-Z]+$/.test(unit) ? unit : `${unit}s`;
}
