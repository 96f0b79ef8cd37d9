import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { systemActor } from '../auth/actor';
import { CreditPackage } from '../catalog/CreditPackage';
import { now } from '../clock';
import { GRANT_PRIORITY } from '../credits/CreditGrant';
import { grantCredits } from '../credits/grants';
import { recordPaymentSettled } from '../payments/paymentSettled';
import { Payment } from '../payments/Payment';
import type { StripeCheckoutState } from '../stripe/checkout';
import type { CheckoutSession } from './CheckoutSession';

/**
 * A paid credit-package Checkout: records the payment (one row per Checkout Session, by a unique key)
 * and grants the credits (idempotent by the payment), in the webhook's transaction. However often and
 * however concurrently the webhook is delivered, the credits are granted once.
 */
export async function completeCreditTopUp({
  trx,
  account,
  checkout,
  state,
}: {
  trx: Knex.Transaction;
  account: Account;
  checkout: CheckoutSession;
  state: StripeCheckoutState;
}): Promise<Payment> {
  const creditPackage = await CreditPackage.query(trx).findById(checkout.creditPackageId!).throwIfNotFound();
  const inserted = await trx('payments')
    .insert({
      accountId: account.id,
      type: 'credit_top_up',
      status: 'completed',
      amount: state.amountTotal ?? creditPackage.priceAmount,
      currency: state.currency ?? creditPackage.currency,
      description: creditPackage.name,
      creditPackageId: creditPackage.id,
      credits: creditPackage.credits,
      stripeCheckoutSessionId: state.stripeCheckoutSessionId,
      stripePaymentIntentId: state.stripePaymentIntentId,
      completedAt: now(),
    })
    .onConflict('stripeCheckoutSessionId')
    .ignore()
    .returning('id');
  const payment = await Payment.query(trx)
    .findOne({ stripeCheckoutSessionId: state.stripeCheckoutSessionId })
    .throwIfNotFound();
  if (inserted.length > 0) await recordPaymentSettled({ trx, before: null, after: payment });
  await grantCredits({
    trx,
    actor: systemActor('credit purchase'),
    accountId: account.id,
    source: 'purchase',
    priority: GRANT_PRIORITY.purchase,
    amount: creditPackage.credits,
    paymentId: payment.id,
    description: `${creditPackage.name} purchased`,
    idempotencyKey: `purchase:${payment.id}`,
  });
  return payment;
}
