import type { UpcomingInvoiceQuery } from '~/graphql/generated';
import type { Formatter } from '~/lib/format';
import { useFormat } from '~/lib/formatContext';
import { Card } from './ui';

export type UpcomingInvoice = NonNullable<UpcomingInvoiceQuery['account']['upcomingInvoice']>;

interface SubscriptionState {
  status: string;
  trialEnd: string | null;
  cancelAtPeriodEnd: boolean;
  currentPeriodEnd: string | null;
  plan: { name: string; interval: string; price: { amount: number } };
  scheduledChange: { effectiveAt: string; plan: { name: string } } | null;
}

/**
 * The next invoice as the API previews it: Stripe's renewal (plan, seats, prorations) plus the usage
 * overage accrued so far, which is billed on it. When nothing renews, says why in plain words.
 */
export function UpcomingInvoiceCard({
  invoice,
  unavailable,
  subscription,
}: {
  invoice: UpcomingInvoice | null;
  unavailable: boolean;
  subscription: SubscriptionState | null;
}) {
  const { formatDate, formatMoney, formatNumber } = useFormat();
  if (unavailable) {
    return (
      <Card title="Next invoice">
        <p className="muted">We cannot preview your next invoice right now. Please try again in a moment.</p>
      </Card>
    );
  }
  if (!invoice) {
    return (
      <Card title="Next invoice">
        <p>{nothingRenews(subscription, formatDate)}</p>
      </Card>
    );
  }
  const currency = invoice.total.currency;
  return (
    <Card title="Next invoice">
      <p className="big-number" data-testid="upcoming-invoice-total">
        {formatMoney(invoice.total)}
      </p>
      <p className="muted small">
        on {formatDate(invoice.periodStart)}, for {formatDate(invoice.periodStart)} –{' '}
        {formatDate(invoice.periodEnd)}
      </p>
      <div className="table-wrap">
        <table className="compact">
          <caption className="visually-hidden">What the next invoice is made of</caption>
          <tbody>
            {invoice.lines.map((line, index) => (
              <tr key={index}>
                <td>
                  {line.description ?? 'Subscription'}
                  {line.proration ? <div className="muted small">prorated</div> : null}
                </td>
                <td className="number">{formatMoney(line.amount)}</td>
              </tr>
            ))}
            {invoice.usageOverage.map((charge) => (
              <tr key={`${charge.meter.key}-${charge.periodStart}`}>
                <td>
                  {charge.late ? (
                    <>
                      {charge.meter.name} recorded late for {formatDate(charge.periodStart)} –{' '}
                      {formatDate(charge.periodEnd)}
                      <div className="muted small">
                        {formatNumber(charge.overageQuantity)} more beyond the allowance of that period
                      </div>
                    </>
                  ) : (
                    <>
                      {charge.meter.name} beyond your allowance, so far
                      <div className="muted small">
                        {formatNumber(charge.overageQuantity)} over the{' '}
                        {formatNumber(charge.includedQuantity)} included
                      </div>
                    </>
                  )}
                </td>
                <td className="number">{formatMoney(charge.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {invoice.usageOverage.length === 0 ? (
        <p className="muted small">No usage beyond your allowances so far this period.</p>
      ) : null}
      {invoice.amountDue.amount !== invoice.total.amount ? (
        <p className="small">
          {formatMoney(invoice.amountDue)} due after your account’s balance of{' '}
          {formatMoney({ amount: invoice.total.amount - invoice.amountDue.amount, currency })} is applied.
        </p>
      ) : null}
      {subscription?.scheduledChange ? (
        <p className="muted small">
          Shown at your current plan’s price: you move to {subscription.scheduledChange.plan.name} on{' '}
          {formatDate(subscription.scheduledChange.effectiveAt)}, and this invoice will be at its price.
        </p>
      ) : null}
    </Card>
  );
}

function nothingRenews(subscription: SubscriptionState | null, formatDate: Formatter['formatDate']): string {
  if (!subscription) return 'None: you have no subscription.';
  if (subscription.cancelAtPeriodEnd) {
    return subscription.currentPeriodEnd
      ? `None: your plan ends on ${formatDate(subscription.currentPeriodEnd)} and does not renew.`
      : 'None: your plan does not renew.';
  }
  if (subscription.plan.interval === 'LIFETIME')
    return `None: ${subscription.plan.name} is paid once and never renews.`;
  if (subscription.plan.price.amount === 0) return `None: the ${subscription.plan.name} plan costs nothing.`;
  // A trial started without a card has nothing in Stripe to renew until the customer adds one.
  if (subscription.status === 'TRIALING' && subscription.trialEnd)
    return `None yet: your trial ends on ${formatDate(subscription.trialEnd)}. Choose the plan with a card to keep it.`;
  return 'None is due.';
}
