import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { systemActor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { Payment } from '../payments/Payment';
import type { StripeCheckoutState } from '../stripe/checkout';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';
import { applyRefund } from '../payments/refundApplication';
import { refundStripePaymentInFull } from '../stripe/subscriptionSettlement';
import { EXTRA_SUBSCRIPTION_REASON } from '../subscriptions/extraSubscriptions';
import { notifyExtraSubscriptionCanceled } from '../subscriptions/notices';
import { endSubscription, isPaidSubscription } from '../subscriptions/stripeSubscriptionSync';
import { Subscription } from '../subscriptions/Subscription';
import {
  recordCheckoutClosed,
  recordPaymentOutcome,
  recordSubscriptionEvent,
} from '../partnerWebhooks/events';
import { recordPaymentSettled } from '../payments/paymentSettled';
import { CheckoutSession } from './CheckoutSession';

/** Our checkout record behind a Stripe Checkout Session, locked for the caller's transaction. */
export async function findCheckoutForSession({
  trx,
  state,
}: {
  trx: Knex.Transaction;
  state: StripeCheckoutState;
}) {
  const bySession = await CheckoutSession.query(trx)
    .findOne({ stripeCheckoutSessionId: state.stripeCheckoutSessionId })
    .forUpdate();
  if (bySession) return bySession;
  return state.checkoutId && /^[0-9a-f-]{36}$/i.test(state.checkoutId)
    ? CheckoutSession.query(trx).findById(state.checkoutId).forUpdate()
    : undefined;
}

export async function markCheckout({
  trx,
  checkout,
  status,
}: {
  trx: Knex.Transaction;
  checkout: CheckoutSession;
  status: 'completed' | 'expired';
}) {
  // Stripe's word is final: one closed here but paid there (left open from before) is completed.
  if (checkout.status === status || checkout.status === 'completed') return;
  await CheckoutSession.query(trx)
    .findById(checkout.id)
    .patch({ status, completedAt: status === 'completed' ? now() : null });
  await recordCheckoutClosed({ trx, checkout, status });
}

/**
 * A lifetime plan is paid once through Checkout in payment mode: there is no Stripe subscription, so
 * the paid Checkout itself starts the (never-renewing) subscription and records the payment. An account
 * that pays already (its Checkout was paid alongside another) keeps what it has, and this payment is
 * refunded in full.
 */
export async function activateLifetimePlan({
  trx,
  account,
  checkout,
  state,
}: {
  trx: Knex.Transaction;
  account: Account;
  checkout: CheckoutSession;
  state: StripeCheckoutState;
}): Promise<void> {
  if (await Payment.query(trx).findOne({ stripeCheckoutSessionId: state.stripeCheckoutSessionId })) return;
  const plan = await Plan.query(trx).findById(checkout.planId!).throwIfNotFound();
  const current = await findCurrentSubscription({ trx, accountId: account.id });
  const alreadyPaying = current ? await isPaidSubscription({ trx, subscription: current }) : false;
  if (current && !alreadyPaying)
    await endSubscription({ trx, subscription: current, status: 'canceled', reason: 'replaced' });
  const subscription = alreadyPaying
    ? undefined
    : await Subscription.query(trx).insertAndFetch({
        accountId: account.id,
        planId: plan.id,
        status: 'active',
        quantity: checkout.quantity,
        currentPeriodStart: now(),
        currentPeriodEnd: null,
        startedAt: now(),
      });
  const payment = await Payment.query(trx).insertAndFetch({
    accountId: account.id,
    type: 'subscription_payment',
    status: 'completed',
    amount: state.amountTotal ?? plan.priceAmount * checkout.quantity,
    currency: state.currency ?? plan.currency,
    description: `${plan.name} (lifetime)`,
    planId: plan.id,
    subscriptionId: subscription?.id ?? null,
    stripeCheckoutSessionId: state.stripeCheckoutSessionId,
    stripePaymentIntentId: state.stripePaymentIntentId,
    completedAt: now(),
  });
  // A purchase the account already had is refunded at once: its notice says so, instead of a receipt.
  if (!subscription) {
    await recordPaymentOutcome({ trx, before: null, after: payment });
    return refundExtraPurchase({ trx, account, plan, payment });
  }
  await recordPaymentSettled({ trx, before: null, after: payment });
  await recordSubscriptionEvent({ trx, before: null, after: subscription });
  await recordAudit({
    trx,
    actor: systemActor('stripe webhook'),
    accountId: account.id,
    action: 'subscription.started',
    target: { type: 'subscription', id: subscription.id },
    details: { plan: plan.key, lifetime: true },
  });
}

/** A lifetime plan bought by an account that pays already: refunded in full, recorded, and told. */
async function refundExtraPurchase({
  trx,
  account,
  plan,
  payment,
}: {
  trx: Knex.Transaction;
  account: Account;
  plan: Plan;
  payment: Payment;
}): Promise<void> {
  const actor = systemActor('one subscription per account');
  const refunds = payment.stripePaymentIntentId
    ? await refundStripePaymentInFull({
        stripePaymentIntentId: payment.stripePaymentIntentId,
        reason: EXTRA_SUBSCRIPTION_REASON,
      })
    : [];
  let refunded = 0;
  for (const refund of refunds) {
    await applyRefund({ trx, actor, payment, refund, reason: EXTRA_SUBSCRIPTION_REASON });
    if (refund.status === 'succeeded') refunded += refund.amount;
  }
  await recordAudit({
    trx,
    actor,
    accountId: account.id,
    action: 'subscription.extra_canceled',
    target: { type: 'payment', id: payment.id },
    reason: EXTRA_SUBSCRIPTION_REASON,
    details: { plan: plan.key, lifetime: true, refunded, currency: payment.currency },
  });
  await notifyExtraSubscriptionCanceled({
    trx,
    accountId: account.id,
    plan,
    purchase: payment.stripeCheckoutSessionId ?? payment.id,
    refunded,
    currency: payment.currency,
  });
}
