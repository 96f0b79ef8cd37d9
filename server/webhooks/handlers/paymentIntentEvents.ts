import type Stripe from 'stripe';
import { settleTopUp } from '../../credits/autoTopUp';
import { Payment } from '../../payments/Payment';
import { fetchPaymentIntentOutcome } from '../../stripe/paymentIntents';
import { idOf } from '../../stripe/timestamps';
import { lockAccountForStripeObject } from '../accountLock';
import { notOurs, type StripeEventHandler } from './types';

/**
 * payment_intent.succeeded / payment_failed: settles automatic top-ups whose process did not see the
 * outcome itself (it crashed, or Stripe took its time). Other payment intents (Checkout's, invoices')
 * are settled by their own events.
 */
export const handlePaymentIntent: StripeEventHandler = async ({ trx, event }) => {
  const object = event.data.object as Stripe.PaymentIntent;
  const account = await lockAccountForStripeObject({
    trx,
    customerId: idOf(object.customer),
    metadataAccountId: object.metadata?.account_id,
  });
  if (!account) return notOurs(`PaymentIntent ${object.id}`);
  if (object.metadata?.kind !== 'auto_top_up') return { accountId: account.id };
  const state = await fetchPaymentIntentOutcome(object.id);
  const payment = state.paymentId
    ? await Payment.query(trx).findOne({ id: state.paymentId, accountId: account.id })
    : undefined;
  if (payment && state.outcome)
    await settleTopUp({
      trx,
      paymentId: payment.id,
      stripePaymentIntentId: state.stripePaymentIntentId,
      outcome: state.outcome,
      failureReason: state.failureReason,
    });
  return { accountId: account.id };
};
