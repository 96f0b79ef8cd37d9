import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { addStripeInvoiceItem } from '../stripe/invoices';
import { Subscription } from '../subscriptions/Subscription';
import type { Invoice } from './Invoice';
import { unbilledOverage, type PeriodOverageCharge } from './usageOverage';

/**
 * Bills usage beyond the allowances onto a renewal invoice while Stripe keeps it in draft (the hour
 * before it is finalized), or onto the next invoice if it is too late: the overage of the period the
 * invoice closes, and usage recorded late for the periods before it (see unbilledOverage). Each charge
 * is claimed in `usage_overage_charges` first, keyed by subscription, meter, period and the invoice's
 * period, and sent with an idempotency key naming the same four, so it is billed once however often
 * this runs. Called from the `invoice.created` webhook, in its transaction, under the account's lock.
 */
export async function billPeriodOverage({
  trx,
  account,
  invoice,
}: {
  trx: Knex.Transaction;
  account: Account;
  invoice: Invoice;
}): Promise<number> {
  if (
    invoice.billingReason !== 'subscription_cycle' ||
    !invoice.subscriptionId ||
    !invoice.periodStart ||
    !invoice.periodEnd
  )
    return 0;
  const subscription = await Subscription.query(trx).findById(invoice.subscriptionId);
  if (!subscription?.stripeSubscriptionId || !account.stripeCustomerId) return 0;
  const charges = await unbilledOverage({
    trx,
    accountId: account.id,
    subscriptionId: subscription.id,
    planId: subscription.planId,
    closing: { start: invoice.periodStart, end: invoice.periodEnd },
  });
  let billed = 0;
  for (const charge of charges) {
    const key = {
      subscriptionId: subscription.id,
      meterId: charge.meter.id,
      periodStart: charge.periodStart,
      billedWithPeriodStart: invoice.periodStart,
    };
    const claimed = await trx('usageOverageCharges')
      .insert({
        ...key,
        accountId: account.id,
        periodEnd: charge.periodEnd,
        quantity: charge.overageQuantity,
        amount: charge.amount,
        currency: invoice.currency,
      })
      .onConflict(['subscriptionId', 'meterId', 'periodStart', 'billedWithPeriodStart'])
      .ignore()
      .returning('id');
    if (claimed.length === 0) continue;
    const stripeInvoiceItemId = await addStripeInvoiceItem({
      stripeCustomerId: account.stripeCustomerId,
      ...(invoice.status === 'draft'
        ? { stripeInvoiceId: invoice.stripeInvoiceId }
        : { stripeSubscriptionId: subscription.stripeSubscriptionId }),
      amount: charge.amount,
      currency: invoice.currency,
      description: describe(charge),
      metadata: {
        kind: 'usage_overage',
        meter: charge.meter.key,
        period_start: charge.periodStart.toISOString(),
        late: String(charge.late),
      },
      idempotencyKey: `overage-${subscription.id}-${charge.meter.id}-${charge.periodStart.getTime()}-${invoice.periodStart.getTime()}`,
    });
    await trx('usageOverageCharges')
      .where(key)
      .update({
        stripeInvoiceItemId,
        stripeInvoiceId: invoice.status === 'draft' ? invoice.stripeInvoiceId : null,
      });
    billed += 1;
  }
  return billed;
}

function describe(charge: PeriodOverageCharge): string {
  if (!charge.late)
    return `${charge.meter.name}: ${charge.overageQuantity} beyond the ${charge.includedQuantity} included`;
  const day = (date: Date) => date.toISOString().slice(0, 10);
  return `${charge.meter.name}: ${charge.overageQuantity} more beyond the ${charge.includedQuantity} included, recorded late for ${day(charge.periodStart)} – ${day(charge.periodEnd)}`;
}
