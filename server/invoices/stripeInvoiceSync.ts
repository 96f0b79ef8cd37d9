import type { Knex } from 'knex';
import type { Account } from '../accounts/Account';
import { Plan } from '../catalog/Plan';
import { fetchStripeInvoice, type StripeInvoiceState } from '../stripe/invoices';
import { Subscription } from '../subscriptions/Subscription';
import { recordInvoiceEvents } from '../partnerWebhooks/events';
import { Invoice } from './Invoice';
import { InvoiceLine } from './InvoiceLine';

/**
 * Mirrors a Stripe invoice (fetched after the caller took the account's lock) with its lines. Draft
 * invoices change, so lines Stripe no longer lists are removed; everything else is an upsert, which makes
 * replays and duplicates harmless. Partners hear of what changed between the row as it was and as it is.
 */
export async function applyStripeInvoice({
  trx,
  account,
  state,
}: {
  trx: Knex.Transaction;
  account: Account;
  state: StripeInvoiceState;
}): Promise<Invoice> {
  const subscription = state.stripeSubscriptionId
    ? await Subscription.query(trx).findOne({ stripeSubscriptionId: state.stripeSubscriptionId })
    : undefined;
  const fields = {
    accountId: account.id,
    subscriptionId: subscription?.id ?? null,
    number: state.number,
    status: state.status,
    billingReason: state.billingReason,
    currency: state.currency,
    subtotal: state.subtotal,
    tax: state.tax,
    total: state.total,
    amountPaid: state.amountPaid,
    amountDue: state.amountDue,
    amountRemaining: state.amountRemaining,
    periodStart: state.periodStart,
    periodEnd: state.periodEnd,
    dueDate: state.dueDate,
    paidAt: state.paidAt,
    hostedInvoiceUrl: state.hostedInvoiceUrl,
    invoicePdfUrl: state.invoicePdfUrl,
    issuedAt: state.issuedAt,
  };
  const before = await Invoice.query(trx).findOne({ stripeInvoiceId: state.stripeInvoiceId });
  const [row] = await trx('invoices')
    .insert({ stripeInvoiceId: state.stripeInvoiceId, ...fields })
    .onConflict('stripeInvoiceId')
    .merge()
    .returning('*');
  const invoice = Invoice.fromDatabaseJson(row);
  await recordInvoiceEvents({ trx, before, after: invoice });

  const priceIds = state.lines.map((line) => line.stripePriceId).filter((id): id is string => Boolean(id));
  const plans = priceIds.length > 0 ? await Plan.query(trx).whereIn('stripePriceId', priceIds) : [];
  const planByPrice = new Map(plans.map((plan) => [plan.stripePriceId, plan.id]));
  await InvoiceLine.query(trx)
    .where({ invoiceId: invoice.id })
    .whereNotIn(
      'stripeLineId',
      state.lines.map((line) => line.stripeLineId),
    )
    .delete();
  if (state.lines.length > 0) {
    await trx('invoiceLines')
      .insert(
        state.lines.map((line) => ({
          invoiceId: invoice.id,
          accountId: account.id,
          stripeLineId: line.stripeLineId,
          kind: line.kind,
          description: line.description,
          amount: line.amount,
          currency: line.currency,
          quantity: line.quantity,
          periodStart: line.periodStart,
          periodEnd: line.periodEnd,
          planId: (line.stripePriceId && planByPrice.get(line.stripePriceId)) ?? null,
        })),
      )
      .onConflict(['invoiceId', 'stripeLineId'])
      .merge();
  }
  return invoice;
}

/** Re-fetches the invoice from Stripe and mirrors it (the caller holds the account's row lock). */
export async function syncInvoiceFromStripe({
  trx,
  account,
  stripeInvoiceId,
}: {
  trx: Knex.Transaction;
  account: Account;
  stripeInvoiceId: string;
}) {
  const state = await fetchStripeInvoice(stripeInvoiceId);
  const invoice = await applyStripeInvoice({ trx, account, state });
  return { invoice, attemptCount: state.attemptCount, stripeSubscriptionId: state.stripeSubscriptionId };
}
