import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { callStripe } from '../stripe/errors';
import { previewStripeUpcomingInvoice } from '../stripe/invoices';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';
import { unbilledOverage, type PeriodOverageCharge } from './usageOverage';

export interface UpcomingInvoice {
  currency: string;
  /** What Stripe will invoice plus the overage accrued so far, in minor units. */
  total: number;
  amountDue: number;
  periodStart: Date;
  periodEnd: Date;
  lines: Array<{ description: string | null; amount: number; quantity: number | null; proration: boolean }>;
  /** Usage beyond the allowances so far this period, and recorded late for earlier ones: billed when the period ends. */
  usageOverage: PeriodOverageCharge[];
}

/**
 * The next invoice as it stands: Stripe's preview of the renewal (plan, seats, prorations and pending
 * items) and the usage overage accrued so far (this period's, and any recorded late for the periods
 * before), which is billed on it when the period ends. None for
 * subscriptions that will not renew (free, lifetime, cancelling at the period end).
 */
export async function getUpcomingInvoice({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<UpcomingInvoice | null> {
  const account = await authorizeAccount({ actor, accountId, permission: 'billing.read' });
  const subscription = await findCurrentSubscription({ accountId });
  if (
    !subscription?.stripeSubscriptionId ||
    !account.stripeCustomerId ||
    subscription.cancelAtPeriodEnd ||
    !subscription.currentPeriodEnd
  )
    return null;
  const plan = await Plan.query().findById(subscription.planId).throwIfNotFound();
  const [preview, usageOverage] = await Promise.all([
    callStripe('preview the next invoice', () =>
      previewStripeUpcomingInvoice({
        stripeCustomerId: account.stripeCustomerId!,
        stripeSubscriptionId: subscription.stripeSubscriptionId!,
      }),
    ),
    unbilledOverage({
      accountId,
      subscriptionId: subscription.id,
      planId: plan.id,
      closing: { start: subscription.currentPeriodStart, end: now() },
    }),
  ]);
  const overage = usageOverage.reduce((sum, charge) => saturatingSum(sum, charge.amount), 0);
  return {
    currency: preview.currency,
    total: saturatingSum(preview.total, overage),
    amountDue: saturatingSum(preview.amountDue, overage),
    periodStart: subscription.currentPeriodEnd,
    periodEnd: preview.periodEnd,
    lines: preview.lines,
    usageOverage,
  };
}

/** Overage charges saturate rather than overflow (usageOverage.ts); so does what adds them up. */
function saturatingSum(a: number, b: number): number {
  return Math.min(a + b, Number.MAX_SAFE_INTEGER);
}
