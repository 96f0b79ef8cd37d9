import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import type { Invoice } from '../invoices/Invoice';
import { applyStripeInvoice } from '../invoices/stripeInvoiceSync';
import { recordInvoicePayment } from '../payments/invoicePayments';
import type { StripeInvoiceState } from '../stripe/invoices';
import { Subscription } from '../subscriptions/Subscription';
import { syncSubscriptionFromStripe } from '../subscriptions/stripeSubscriptionSync';

/**
 * Mirrors an invoice as Stripe has it now (the caller locked its account) and, once it is paid,
 * records its payment with the PaymentIntent that paid it, whichever invoice event arrives first. A
 * subscription we have not recorded yet is applied first, so the invoice and its payment are linked to
 * it however the events were ordered.
 */
export async function applyInvoice({
  trx,
  account,
  state,
}: {
  trx: Knex.Transaction;
  account: Account;
  state: StripeInvoiceState;
}): Promise<Invoice> {
  const { stripeSubscriptionId } = state;
  if (stripeSubscriptionId && !(await Subscription.query(trx).findOne({ stripeSubscriptionId })))
    await syncSubscriptionFromStripe({ trx, account, stripeSubscriptionId });
  const invoice = await applyStripeInvoice({ trx, account, state });
  if (state.status === 'paid')
    await recordInvoicePayment({
      trx,
      invoice,
      outcome: 'paid',
      stripePaymentIntentId: state.stripePaymentIntentId,
    });
  return invoice;
}
