import type Stripe from 'stripe';
import { Plan } from '../../catalog/Plan';
import { billPeriodOverage } from '../../invoices/overageBilling';
import { recordInvoicePayment } from '../../payments/invoicePayments';
import { idOf } from '../../stripe/timestamps';
import { notifySubscriptionEvent } from '../../subscriptions/notices';
import { Subscription } from '../../subscriptions/Subscription';
import { lockAccountForStripeObject } from '../accountLock';
import { syncInvoiceFromStripe } from '../../invoices/stripeInvoiceSync';
import { syncSubscriptionFromStripe } from '../../subscriptions/stripeSubscriptionSync';
import { notOurs, type HandlerContext, type StripeEventHandler } from './types';

async function lockAndSyncInvoice({ trx, event }: HandlerContext) {
  const object = event.data.object as Stripe.Invoice;
  const account = await lockAccountForStripeObject({ trx, customerId: idOf(object.customer) });
  if (!account || !object.id) return undefined;
  return { account, ...(await syncInvoiceFromStripe({ trx, account, stripeInvoiceId: object.id })) };
}

/** invoice.created: mirror it, and bill the closing period's usage overage onto a renewal while it is a draft. */
export const handleInvoiceCreated: StripeEventHandler = async (context) => {
  const synced = await lockAndSyncInvoice(context);
  if (!synced) return notOurs('Invoice');
  if (await billPeriodOverage({ trx: context.trx, account: synced.account, invoice: synced.invoice })) {
    await syncInvoiceFromStripe({
      trx: context.trx,
      account: synced.account,
      stripeInvoiceId: synced.invoice.stripeInvoiceId,
    });
  }
  return { accountId: synced.account.id };
};

/** invoice.finalized / updated / voided / marked_uncollectible / payment_action_required. */
export const handleInvoiceChanged: StripeEventHandler = async (context) => {
  const synced = await lockAndSyncInvoice(context);
  if (!synced) return notOurs('Invoice');
  return { accountId: synced.account.id };
};

/** invoice.paid: the money arrived; a past-due subscription is current again. */
export const handleInvoicePaid: StripeEventHandler = async (context) => {
  const synced = await lockAndSyncInvoice(context);
  if (!synced) return notOurs('Invoice');
  await recordInvoicePayment({ trx: context.trx, invoice: synced.invoice, outcome: 'paid' });
  if (synced.stripeSubscriptionId)
    await syncSubscriptionFromStripe({
      trx: context.trx,
      account: synced.account,
      stripeSubscriptionId: synced.stripeSubscriptionId,
    });
  return { accountId: synced.account.id };
};

/** invoice.payment_failed: record the failure, start the grace period, tell the customer. */
export const handleInvoicePaymentFailed: StripeEventHandler = async (context) => {
  const synced = await lockAndSyncInvoice(context);
  if (!synced) return notOurs('Invoice');
  const object = context.event.data.object as Stripe.Invoice;
  await recordInvoicePayment({
    trx: context.trx,
    invoice: synced.invoice,
    outcome: 'failed',
    failureReason: object.last_finalization_error?.message,
  });
  if (synced.stripeSubscriptionId) {
    await syncSubscriptionFromStripe({
      trx: context.trx,
      account: synced.account,
      stripeSubscriptionId: synced.stripeSubscriptionId,
    });
    const subscription = await Subscription.query(context.trx).findOne({
      stripeSubscriptionId: synced.stripeSubscriptionId,
    });
    if (subscription && subscription.status === 'past_due') {
      const plan = await Plan.query(context.trx).findById(subscription.planId).throwIfNotFound();
      await notifySubscriptionEvent({
        trx: context.trx,
        subscription,
        plan,
        kind: 'payment_failed',
        cause: `${synced.invoice.stripeInvoiceId}:${synced.attemptCount}`,
      });
    }
  }
  return { accountId: synced.account.id };
};
