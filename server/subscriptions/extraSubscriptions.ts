import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { systemActor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import type { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { Invoice } from '../invoices/Invoice';
import { syncInvoiceFromStripe } from '../invoices/stripeInvoiceSync';
import { recordInvoicePayment } from '../payments/invoicePayments';
import { applyRefund } from '../payments/refundApplication';
import { settleStripeSubscriptionInvoices, type SettledInvoice } from '../stripe/subscriptionSettlement';
import { cancelStripeSubscriptionNow, type StripeSubscriptionState } from '../stripe/subscriptions';
import { findCurrentSubscription } from './currentSubscription';
import { notifyExtraSubscriptionCanceled } from './notices';
import { recordSubscriptionEvent } from '../partnerWebhooks/events';
import { Subscription, type SubscriptionStatus } from './Subscription';

const actor = systemActor('one subscription per account');
export const EXTRA_SUBSCRIPTION_REASON = 'a second subscription of an account that already has one';

/**
 * An account pays for one subscription, in Stripe too. When Stripe holds another live one for it (two
 * Checkouts paid, one completed outside our Checkout, or one replaced here that was never canceled in
 * Stripe), the account's current subscription stays and the other is undone: canceled in Stripe at once,
 * each invoice it raised refunded in full (voided when open), and recorded here as a canceled
 * subscription with its payments and refunds, an audit entry and a notice; partners are told of it as
 * created then canceled (decision 030). Its later events then find it canceled on both sides and change
 * nothing.
 *
 * For one replaced here earlier (`replaced`), only what it charged after it stopped being the account's
 * subscription is refunded; one recorded while its first payment was pending (`pending`) is settled
 * like a new one, on its row. The caller holds the account's row lock; every Stripe call is idempotent by
 * Stripe's own state, so a retry after a failure does nothing twice.
 */
export async function settleExtraSubscription({
  trx,
  account,
  state,
  plan,
  replaced,
  pending,
  liveStatus,
}: {
  trx: Knex.Transaction;
  account: Account;
  state: StripeSubscriptionState;
  plan: Plan;
  replaced?: Subscription;
  pending?: Subscription;
  /** Its status in Stripe when it went live, in ours. */
  liveStatus: SubscriptionStatus;
}): Promise<void> {
  const kept = await findCurrentSubscription({ trx, accountId: account.id });
  const canceled = await cancelStripeSubscriptionNow({ stripeSubscriptionId: state.stripeSubscriptionId });
  const subscription = replaced
    ? await Subscription.query(trx).patchAndFetchById(replaced.id, { stripeSyncedAt: now() })
    : await recordExtraSubscription({ trx, account, state: canceled, plan, pending });
  if (!replaced) {
    // Partners hear of it as it went live and as it was canceled: its invoices, payments and refunds
    // name it. One replaced here earlier was told of already.
    const live = Subscription.fromJson({
      ...subscription.toJSON(),
      status: liveStatus,
      cancelAtPeriodEnd: state.cancelAtPeriodEnd,
      canceledAt: state.canceledAt,
      endedAt: null,
    });
    await recordSubscriptionEvent({ trx, before: null, after: live });
    await recordSubscriptionEvent({ trx, before: live, after: subscription });
  }

  const settled = await settleStripeSubscriptionInvoices({
    stripeSubscriptionId: state.stripeSubscriptionId,
    since: replaced?.endedAt ?? null,
    reason: EXTRA_SUBSCRIPTION_REASON,
  });
  let refunded = 0;
  let currency = plan.currency;
  for (const invoice of settled) {
    const recorded = await recordSettledInvoice({ trx, account, settled: invoice });
    refunded += recorded.refunded;
    currency = recorded.currency ?? currency;
  }

  await recordAudit({
    trx,
    actor,
    accountId: account.id,
    action: 'subscription.extra_canceled',
    target: { type: 'subscription', id: subscription.id },
    reason: EXTRA_SUBSCRIPTION_REASON,
    details: {
      stripeSubscriptionId: state.stripeSubscriptionId,
      plan: plan.key,
      kept: kept?.id ?? null,
      refunded,
      currency,
    },
  });
  await notifyExtraSubscriptionCanceled({
    trx,
    accountId: account.id,
    plan,
    purchase: state.stripeSubscriptionId,
    refunded,
    currency,
  });
}

/**
 * Our row for a subscription that was never the account's: canceled, and starting when it ends, since it
 * gave the account nothing (revenue history never counts it).
 */
async function recordExtraSubscription({
  trx,
  account,
  state,
  plan,
  pending,
}: {
  trx: Knex.Transaction;
  account: Account;
  state: StripeSubscriptionState;
  plan: Plan;
  pending?: Subscription;
}): Promise<Subscription> {
  const endedAt = state.endedAt ?? now();
  const fields = {
    planId: plan.id,
    status: 'canceled' as const,
    quantity: state.quantity,
    currentPeriodStart: state.currentPeriodStart,
    currentPeriodEnd: state.currentPeriodEnd,
    trialStart: state.trialStart,
    trialEnd: state.trialEnd,
    cancelAtPeriodEnd: false,
    canceledAt: state.canceledAt ?? endedAt,
    endedAt,
    startedAt: endedAt,
    cancellationReason: EXTRA_SUBSCRIPTION_REASON,
    stripeSyncedAt: now(),
  };
  if (pending) return Subscription.query(trx).patchAndFetchById(pending.id, fields);
  return Subscription.query(trx).insertAndFetch({
    accountId: account.id,
    stripeSubscriptionId: state.stripeSubscriptionId,
    ...fields,
  });
}

/** Mirrors a settled invoice and records its payment and refunds (each refund once, by its Stripe id). */
async function recordSettledInvoice({
  trx,
  account,
  settled,
}: {
  trx: Knex.Transaction;
  account: Account;
  settled: SettledInvoice;
}): Promise<{ refunded: number; currency: string | null }> {
  if (settled.before === 'draft') {
    await Invoice.query(trx).delete().where({ stripeInvoiceId: settled.stripeInvoiceId, status: 'draft' });
    return { refunded: 0, currency: null };
  }
  const { invoice } = await syncInvoiceFromStripe({ trx, account, stripeInvoiceId: settled.stripeInvoiceId });
  if (settled.refunds.length === 0) return { refunded: 0, currency: invoice.currency };
  // The PaymentIntent names the payment in Stripe's later refund events.
  const payment = await recordInvoicePayment({
    trx,
    invoice,
    outcome: 'paid',
    stripePaymentIntentId: settled.stripePaymentIntentId,
    receipt: false,
  });
  if (!payment) return { refunded: 0, currency: invoice.currency };
  let refunded = 0;
  for (const refund of settled.refunds) {
    await applyRefund({ trx, actor, payment, refund, reason: EXTRA_SUBSCRIPTION_REASON });
    if (refund.status === 'succeeded') refunded += refund.amount;
  }
  return { refunded, currency: invoice.currency };
}
