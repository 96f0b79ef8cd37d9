import type Stripe from 'stripe';
import { Plan } from '../../catalog/Plan';
import { billPeriodOverage } from '../../invoices/overageBilling';
import { syncInvoiceFromStripe } from '../../invoices/stripeInvoiceSync';
import { invoicePayload, recordPartnerEvent } from '../../partnerWebhooks/events';
import { recordInvoicePayment } from '../../payments/invoicePayments';
import { fetchStripeInvoice } from '../../stripe/invoices';
import { idOf } from '../../stripe/timestamps';
import { notifySubscriptionEvent } from '../../subscriptions/notices';
import { Subscription } from '../../subscriptions/Subscription';
import { syncSubscriptionFromStripe } from '../../subscriptions/stripeSubscriptionSync';
import { lockOwnerOfStripeObject } from '../accountLock';
import { applyInvoice } from '../invoiceApplication';
import { ignored, type HandlerContext, type StripeEventHandler } from './types';

async function lockAndApplyInvoice({ trx, event }: HandlerContext) {
  const object = event.data.object as Stripe.Invoice;
  if (!object.id) return { ignored: 'An invoice preview is not an invoice' };
  const owned = await lockOwnerOfStripeObject({
    trx,
    what: `Invoice ${object.id}`,
    claimedCustomerId: idOf(object.customer),
    fetch: () => fetchStripeInvoice(object.id!),
  });
  if ('ignored' in owned) return owned;
  const { account, state } = owned;
  return { account, state, invoice: await applyInvoice({ trx, account, state }) };
}

/** invoice.created: mirror it, and bill the closing period's usage overage onto a renewal while it is a draft. */
export const handleInvoiceCreated: StripeEventHandler = async (context) => {
  const applied = await lockAndApplyInvoice(context);
  if ('ignored' in applied) return ignored(applied.ignored);
  if (await billPeriodOverage({ trx: context.trx, account: applied.account, invoice: applied.invoice })) {
    await syncInvoiceFromStripe({
      trx: context.trx,
      account: applied.account,
      stripeInvoiceId: applied.invoice.stripeInvoiceId,
    });
  }
  return { accountId: applied.account.id };
};

/** invoice.finalized / updated / voided / marked_uncollectible / payment_action_required. */
export const handleInvoiceChanged: StripeEventHandler = async (context) => {
  const applied = await lockAndApplyInvoice(context);
  if ('ignored' in applied) return ignored(applied.ignored);
  return { accountId: applied.account.id };
};

/** invoice.paid: the money arrived (its payment is recorded with the invoice); a past-due subscription is current again. */
export const handleInvoicePaid: StripeEventHandler = async (context) => {
  const applied = await lockAndApplyInvoice(context);
  if ('ignored' in applied) return ignored(applied.ignored);
  const { account, state } = applied;
  if (state.stripeSubscriptionId)
    await syncSubscriptionFromStripe({
      trx: context.trx,
      account,
      stripeSubscriptionId: state.stripeSubscriptionId,
    });
  return { accountId: account.id };
};

/** invoice.payment_failed: record the failure, start the grace period, tell the customer. */
export const handleInvoicePaymentFailed: StripeEventHandler = async (context) => {
  const applied = await lockAndApplyInvoice(context);
  if ('ignored' in applied) return ignored(applied.ignored);
  const { account, state, invoice } = applied;
  const { trx } = context;
  const object = context.event.data.object as Stripe.Invoice;
  await recordInvoicePayment({
    trx,
    invoice,
    outcome: 'failed',
    failureReason: object.last_finalization_error?.message,
    stripePaymentIntentId: state.stripePaymentIntentId,
  });
  await recordPartnerEvent({
    trx,
    accountId: account.id,
    type: 'invoice.payment_failed',
    payload: { ...invoicePayload(invoice), attemptCount: state.attemptCount },
    dedupeKey: `invoice.payment_failed:${invoice.id}:${state.attemptCount}`,
  });
  if (state.stripeSubscriptionId) {
    await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId: state.stripeSubscriptionId });
    const subscription = await Subscription.query(trx).findOne({
      stripeSubscriptionId: state.stripeSubscriptionId,
    });
    if (subscription && subscription.status === 'past_due') {
      const plan = await Plan.query(trx).findById(subscription.planId).throwIfNotFound();
      await notifySubscriptionEvent({
        trx,
        subscription,
        plan,
        kind: 'payment_failed',
        cause: `${state.stripeInvoiceId}:${state.attemptCount}`,
      });
    }
  }
  return { accountId: account.id };
};
