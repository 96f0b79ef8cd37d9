import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { settleTopUp } from '../credits/autoTopUp';
import { Payment } from '../payments/Payment';
import { fetchStripeInvoice } from '../stripe/invoices';
import { fetchPaymentIntentPurpose, type StripePaymentIntentPurpose } from '../stripe/paymentPurposes';
import { StripeOwnershipMismatchError } from './accountLock';
import { applyCheckoutSession } from './checkoutApplication';
import { applyInvoice } from './invoiceApplication';

export type PaymentOfIntent = { payment: Payment } | { payment: null; reason: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The payment a PaymentIntent made, recorded first if it was not yet: an event about money (a refund,
 * a payment_intent.succeeded) may arrive before the event that records the payment, so it fetches what
 * the intent paid for (a Checkout of ours, an invoice, an automatic top-up) and applies it exactly as
 * that event would have. The caller holds the account's lock; the intent must be the account's
 * customer's. Null, with the reason, when the intent paid for nothing we sold.
 */
export async function recordPaymentOfIntent({
  trx,
  account,
  stripePaymentIntentId,
}: {
  trx: Knex.Transaction;
  account: Account;
  stripePaymentIntentId: string;
}): Promise<PaymentOfIntent> {
  const known = await findPaymentOfIntent({ trx, account, stripePaymentIntentId });
  if (known) return { payment: known };

  const intent = await fetchPaymentIntentPurpose(stripePaymentIntentId);
  if (intent.stripeCustomerId !== account.stripeCustomerId)
    throw new StripeOwnershipMismatchError({
      what: `PaymentIntent ${stripePaymentIntentId}`,
      claimedCustomerId: account.stripeCustomerId,
      actualCustomerId: intent.stripeCustomerId,
    });
  const unrecorded = await applyPurpose({ trx, account, intent });
  if (unrecorded) return { payment: null, reason: unrecorded };
  const recorded = await findPaymentOfIntent({ trx, account, stripePaymentIntentId });
  return recorded
    ? { payment: recorded }
    : { payment: null, reason: `PaymentIntent ${stripePaymentIntentId} has not paid for anything yet` };
}

/** Applies what the intent paid for; returns why nothing could be, when it paid for nothing of ours. */
async function applyPurpose({
  trx,
  account,
  intent,
}: {
  trx: Knex.Transaction;
  account: Account;
  intent: StripePaymentIntentPurpose;
}): Promise<string | null> {
  const { purpose, stripePaymentIntentId } = intent;
  switch (purpose.kind) {
    case 'auto_top_up': {
      const payment = UUID.test(purpose.paymentId)
        ? await Payment.query(trx).findOne({ id: purpose.paymentId, accountId: account.id })
        : undefined;
      if (!payment)
        throw new Error(
          `PaymentIntent ${stripePaymentIntentId} is an automatic top-up of payment ${purpose.paymentId}, which account ${account.id} does not have.`,
        );
      if (intent.outcome)
        await settleTopUp({
          trx,
          paymentId: payment.id,
          stripePaymentIntentId,
          outcome: intent.outcome,
          failureReason: intent.failureReason,
        });
      return null;
    }
    case 'checkout':
      return (await applyCheckoutSession({ trx, account, state: purpose.checkout }))?.notOurs ?? null;
    case 'invoice': {
      const state = await fetchStripeInvoice(purpose.stripeInvoiceId);
      if (state.stripeCustomerId !== account.stripeCustomerId)
        throw new StripeOwnershipMismatchError({
          what: `Invoice ${state.stripeInvoiceId}`,
          claimedCustomerId: account.stripeCustomerId,
          actualCustomerId: state.stripeCustomerId,
        });
      await applyInvoice({ trx, account, state });
      return null;
    }
    case 'none':
      return `PaymentIntent ${stripePaymentIntentId} paid for nothing we sold (no Checkout, invoice or top-up of ours)`;
  }
}

/** The charge (not refund) recorded with this PaymentIntent, once it is settled; it must be the account's. */
async function findPaymentOfIntent({
  trx,
  account,
  stripePaymentIntentId,
}: {
  trx: Knex.Transaction;
  account: Account;
  stripePaymentIntentId: string;
}): Promise<Payment | undefined> {
  const payment = await Payment.query(trx)
    .findOne({ stripePaymentIntentId })
    .whereNot('type', 'refund')
    .whereNot('status', 'pending');
  if (payment && payment.accountId !== account.id)
    throw new Error(
      `Refused: PaymentIntent ${stripePaymentIntentId} is recorded as a payment of account ${payment.accountId}, ` +
        `but in Stripe it belongs to account ${account.id}'s customer. Nothing was changed.`,
    );
  return payment;
}
