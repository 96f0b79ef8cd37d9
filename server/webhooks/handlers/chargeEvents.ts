import type Stripe from 'stripe';
import { systemActor } from '../../auth/actor';
import { Payment } from '../../payments/Payment';
import { applyRefund } from '../../payments/refundApplication';
import { listStripeRefundsOfCharge } from '../../stripe/refunds';
import { idOf } from '../../stripe/timestamps';
import { lockAccountForStripeObject } from '../accountLock';
import { notOurs, type StripeEventHandler } from './types';

/** charge.refunded: records every refund of the charge we have not recorded (including dashboard refunds). */
export const handleChargeRefunded: StripeEventHandler = async ({ trx, event }) => {
  const charge = event.data.object as Stripe.Charge;
  const account = await lockAccountForStripeObject({
    trx,
    customerId: idOf(charge.customer),
    metadataAccountId: charge.metadata?.account_id,
  });
  if (!account) return notOurs(`Charge ${charge.id}`);
  const paymentIntentId = idOf(charge.payment_intent);
  const payment = paymentIntentId
    ? await Payment.query(trx)
        .findOne({ accountId: account.id, stripePaymentIntentId: paymentIntentId })
        .whereNot('type', 'refund')
    : undefined;
  if (!payment) return { accountId: account.id };
  for (const refund of await listStripeRefundsOfCharge(charge.id)) {
    await applyRefund({ trx, actor: systemActor('stripe webhook'), payment, refund });
  }
  return { accountId: account.id };
};
