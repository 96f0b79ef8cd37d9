import type { Knex } from 'knex';
import type Stripe from 'stripe';
import { systemActor } from '../../auth/actor';
import { Payment } from '../../payments/Payment';
import { applyStripeRefunds } from '../../payments/refundApplication';
import { fetchStripeCharge } from '../../stripe/charges';
import { findStripeRefund } from '../../stripe/refunds';
import { idOf } from '../../stripe/timestamps';
import { lockOwnerOfStripeObject } from '../accountLock';
import { recordPaymentOfIntent } from '../paymentOfIntent';
import { ignored, type HandlerResult, type StripeEventHandler } from './types';

/**
 * charge.refunded: records every refund of the charge we have not recorded, wherever it was made (here,
 * or in Stripe's dashboard). A charge whose payment we have not recorded yet
 * (its refund arrived first) has its payment recorded first, credits and all, and then refunded.
 */
export const handleChargeRefunded: StripeEventHandler = async ({ trx, event }) => {
  const charge = event.data.object as Stripe.Charge;
  return applyRefundsOfCharge({
    trx,
    stripeChargeId: charge.id,
    claimedCustomerId: idOf(charge.customer),
  });
};

/**
 * refund.created, refund.updated, refund.failed and charge.refund.updated (whose object is the refund,
 * not the charge): the same, from the refund's charge; a refund that failed after it went through is
 * undone here.
 */
export const handleRefundChanged: StripeEventHandler = async ({ trx, event }) => {
  const object = event.data.object as Stripe.Refund;
  const refund = await findStripeRefund(object.id);
  if (!refund) throw new Error(`Stripe has no refund ${object.id}`);
  if (!refund.stripeChargeId) return ignored(`Refund ${object.id} returned no charge of ours`);
  return applyRefundsOfCharge({
    trx,
    stripeChargeId: refund.stripeChargeId,
    claimedCustomerId: idOf(object.customer),
  });
};

async function applyRefundsOfCharge({
  trx,
  stripeChargeId,
  claimedCustomerId,
}: {
  trx: Knex.Transaction;
  stripeChargeId: string;
  claimedCustomerId: string | null;
}): Promise<HandlerResult> {
  const owned = await lockOwnerOfStripeObject({
    trx,
    what: `Charge ${stripeChargeId}`,
    claimedCustomerId,
    fetch: () => fetchStripeCharge(stripeChargeId),
  });
  if ('ignored' in owned) return ignored(owned.ignored);
  const { account, state: charge } = owned;
  if (!charge.stripePaymentIntentId)
    return ignored(`Charge ${stripeChargeId} has no PaymentIntent: nothing we sold`, account.id);
  const recorded = await recordPaymentOfIntent({
    trx,
    account,
    stripePaymentIntentId: charge.stripePaymentIntentId,
  });
  if (!recorded.payment) return ignored(recorded.reason, account.id);
  const payment = recorded.payment.stripeChargeId
    ? recorded.payment
    : await Payment.query(trx).patchAndFetchById(recorded.payment.id, { stripeChargeId });
  await applyStripeRefunds({ trx, actor: systemActor('stripe webhook'), payment, refunds: charge.refunds });
  return { accountId: account.id };
}
