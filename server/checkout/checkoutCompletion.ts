import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { systemActor } from '../auth/actor';
import { recordAudit } from '../audit/auditLog';
import { Plan } from '../catalog/Plan';
import { now } from '../clock';
import { Payment } from '../payments/Payment';
import type { StripeCheckoutState } from '../stripe/checkout';
import { findCurrentSubscription } from '../subscriptions/currentSubscription';
import { endSubscription } from '../subscriptions/stripeSubscriptionSync';
import { Subscription } from '../subscriptions/Subscription';
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
  if (checkout.status !== 'open') return;
  await CheckoutSession.query(trx)
    .findById(checkout.id)
    .patch({ status, completedAt: status === 'completed' ? now() : null });
}

/**
 * A lifetime plan is paid once through Checkout in payment mode: there is no Stripe subscription, so
 * the paid Checkout itself starts the (never-renewing) subscription and records the payment.
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
  if (checkout.status === 'completed') return;
  const plan = await Plan.query(trx).findById(checkout.planId!).throwIfNotFound();
  const current = await findCurrentSubscription({ trx, accountId: account.id });
  if (current) await endSubscription({ trx, subscription: current, status: 'canceled', reason: 'replaced' });
  const subscription = await Subscription.query(trx).insertAndFetch({
    accountId: account.id,
    planId: plan.id,
    status: 'active',
    quantity: checkout.quantity,
    currentPeriodStart: now(),
    currentPeriodEnd: null,
    startedAt: now(),
  });
  await Payment.query(trx).insert({
    accountId: account.id,
    type: 'subscription_payment',
    status: 'completed',
    amount: state.amountTotal ?? plan.priceAmount * checkout.quantity,
    currency: state.currency ?? plan.currency,
    description: `${plan.name} (lifetime)`,
    planId: plan.id,
    subscriptionId: subscription.id,
    stripeCheckoutSessionId: state.stripeCheckoutSessionId,
    stripePaymentIntentId: state.stripePaymentIntentId,
    completedAt: now(),
  });
  await recordAudit({
    trx,
    actor: systemActor('stripe webhook'),
    accountId: account.id,
    action: 'subscription.started',
    target: { type: 'subscription', id: subscription.id },
    details: { plan: plan.key, lifetime: true },
  });
}
