import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { addStripeInvoiceItem } from '../stripe/invoices';
import { Subscription } from '../subscriptions/Subscription';
import type { Invoice } from './Invoice';
import { overageCharges } from './usageOverage';

/**
 * Bills the usage beyond the allowances of the period a renewal invoice closes, onto that invoice while
 * Stripe keeps it in draft (the hour before it is finalized), or onto the next invoice if it is too late.
 * Each meter's charge for the period is claimed in `usage_overage_charges` first and sent with an
 * idempotency key naming the same subscription, meter and period, so it is billed once however often this
 * runs. Called from the `invoice.created` webhook, in its transaction.
 */
export async function billPeriodOverage({ trx, account, invoice }: { trx: Knex.Transaction; account: Account; invoice: Invoice }): Promise<number> {
  if (invoice.billingReason !== 'subscription_cycle' || !invoice.subscriptionId || !invoice.periodStart || !invoice.periodEnd) return 0;
  const subscription = await Subscription.query(trx).findById(invoice.subscriptionId);
  if (!subscription?.stripeSubscriptionId || !account.stripeCustomerId) return 0;
  const charges = await overageCharges({ trx, accountId: account.id, planId: subscription.planId, from: invoice.periodStart, to: invoice.periodEnd });
  let billed = 0;
  for (const charge of charges.filter((candidate) => candidate.amount > 0)) {
    const claimed = await trx('usageOverageCharges')
      .insert({
        subscriptionId: subscription.id,
        meterId: charge.meter.id,
        accountId: account.id,
        periodStart: invoice.periodStart,
        periodEnd: invoice.periodEnd,
        quantity: charge.overageQuantity,
        amount: charge.amount,
        currency: invoice.currency,
      })
      .onConflict(['subscriptionId', 'meterId', 'periodStart'])
      .ignore()
      .returning('meterId');
    if (claimed.length === 0) continue;
    const stripeInvoiceItemId = await addStripeInvoiceItem({
      stripeCustomerId: account.stripeCustomerId,
      ...(invoice.status === 'draft' ? { stripeInvoiceId: invoice.stripeInvoiceId } : { stripeSubscriptionId: subscription.stripeSubscriptionId }),
      amount: charge.amount,
      currency: invoice.currency,
      description: `${charge.meter.name}: ${charge.overageQuantity} beyond the ${charge.includedQuantity} included`,
      metadata: { kind: 'usage_overage', meter: charge.meter.key, period_start: invoice.periodStart.toISOString() },
      idempotencyKey: `overage-${subscription.id}-${charge.meter.id}-${invoice.periodStart.getTime()}`,
    });
    await trx('usageOverageCharges')
      .where({ subscriptionId: subscription.id, meterId: charge.meter.id, periodStart: invoice.periodStart })
      .update({ stripeInvoiceItemId, stripeInvoiceId: invoice.status === 'draft' ? invoice.stripeInvoiceId : null });
    billed += 1;
  }
  return billed;
}
