import type Stripe from 'stripe';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember } from '../factories';
import type { BillingStack } from './billingStack';
import { eventsAfter, newestEventId } from './eventPermutations';

/**
 * Money flows walked as a customer and Stripe would, on a stack whose emulator does not deliver by
 * itself: each returns the events Stripe emitted for it, for the test to deliver as it pleases.
 */

export interface Flow {
  account: { id: string };
  stripeCustomerId: string;
  stripePaymentIntentId: string;
  events: Stripe.Event[];
}

/** A customer buys a credit package through Checkout; then, if asked, refunds are made in Stripe's dashboard. */
export async function creditPurchase({
  stack,
  packageKey,
  refunds = [],
}: {
  stack: BillingStack;
  packageKey: string;
  refunds?: Array<number | undefined>;
}): Promise<Flow> {
  const mark = await newestEventId(stack.stripe);
  const { account, cookie } = await createMember({ role: 'owner' });
  const creditPackageId = (await stack.knex('credit_packages').where({ key: packageKey }).first()).id;
  const started = await stack.app.graphql(
    'mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url checkoutSession { id } } }',
    { input: { accountId: account.id, creditPackageId } },
    { cookie },
  );
  const { url, checkoutSession } = started.data!.startCreditPackageCheckout;
  expect((await submitCheckoutForm(url)).status).toBe(303);
  const { stripeCheckoutSessionId } = await stack
    .knex('checkout_sessions')
    .where({ id: checkoutSession.id })
    .first();
  const session = await stack.stripe.checkout.sessions.retrieve(stripeCheckoutSessionId);
  const stripePaymentIntentId = session.payment_intent as string;
  for (const amount of refunds)
    await stack.stripe.refunds.create({ payment_intent: stripePaymentIntentId, amount });
  return {
    account,
    stripeCustomerId: session.customer as string,
    stripePaymentIntentId,
    events: await eventsAfter(stack.stripe, mark),
  };
}

/** A customer with a card subscribes (charged at once); then, if asked, refunds are made in Stripe's dashboard. */
export async function subscriptionCharge({
  stack,
  planKey,
  refunds = [],
}: {
  stack: BillingStack;
  planKey: string;
  refunds?: Array<number | undefined>;
}): Promise<Flow & { stripeInvoiceId: string }> {
  const mark = await newestEventId(stack.stripe);
  const { account } = await createMember({ role: 'owner' });
  const customer = await stack.stripe.customers.create({
    name: 'Subscriber',
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  const card = await stack.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stack.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
  const price = (await stack.knex('plans').where({ key: planKey, active: true }).first()).stripePriceId;
  const subscription = await stack.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price }],
    metadata: { account_id: account.id },
  });
  const invoice = await stack.stripe.invoices.retrieve(subscription.latest_invoice as string, {
    expand: ['payments'],
  });
  const stripePaymentIntentId = invoice.payments!.data[0]!.payment.payment_intent as string;
  for (const amount of refunds)
    await stack.stripe.refunds.create({ payment_intent: stripePaymentIntentId, amount });
  return {
    account,
    stripeCustomerId: customer.id,
    stripePaymentIntentId,
    stripeInvoiceId: invoice.id,
    events: await eventsAfter(stack.stripe, mark),
  };
}

const REFUND_EVENTS = ['refund.created', 'charge.refunded', 'refund.updated', 'charge.refund.updated'];

export const isRefundEvent = (event: Stripe.Event) => REFUND_EVENTS.includes(event.type);

/**
 * What our books say about one account, in terms that do not depend on ids or clocks: its payments and
 * refunds, its ledger in order, its balance, its invoices and its subscription.
 */
export async function booksOf(stack: BillingStack, accountId: string) {
  const payments = await stack
    .knex('payments')
    .where({ accountId })
    .orderBy([{ column: 'type' }, { column: 'amount' }, { column: 'amountRefunded' }]);
  const ledger = await stack.knex('credit_ledger_entries').where({ accountId }).orderBy('id');
  const invoices = await stack.knex('invoices').where({ accountId }).orderBy('total');
  const subscriptions = await stack
    .knex('subscriptions')
    .join('plans', 'plans.id', 'subscriptions.planId')
    .where('subscriptions.accountId', accountId)
    .orderBy('subscriptions.createdAt')
    .select('plans.key', 'subscriptions.status', 'subscriptions.stripeSubscriptionId');
  return {
    payments: payments.map((payment) => ({
      type: payment.type,
      status: payment.status,
      amount: payment.amount,
      amountRefunded: payment.amountRefunded,
      currency: payment.currency,
      credits: payment.credits,
      paymentIntent: payment.stripePaymentIntentId !== null,
      invoice: payment.invoiceId !== null,
      subscription: payment.subscriptionId !== null,
    })),
    ledger: ledger.map((entry) => [entry.entryType, entry.amount, entry.balanceAfter]),
    balance: (await stack.knex('credit_balances').where({ accountId }).first())?.balance ?? 0,
    invoices: invoices.map((invoice) => [
      invoice.status,
      invoice.total,
      invoice.amountPaid,
      Boolean(invoice.subscriptionId),
    ]),
    subscriptions: subscriptions.map((row) => [row.key, row.status, Boolean(row.stripeSubscriptionId)]),
  };
}

/** The events of a flow that did not end processed or ignored (failed, or never applied). */
export async function unappliedEvents(stack: BillingStack, events: Stripe.Event[]) {
  const rows = await stack
    .knex('stripe_events')
    .whereIn(
      'id',
      events.map((event) => event.id),
    )
    .select('id', 'type', 'status', 'lastError');
  const applied = new Set(
    rows.filter((row) => row.status !== 'failed' && row.status !== 'received').map((row) => row.id),
  );
  return events
    .filter((event) => !applied.has(event.id))
    .map((event) => ({
      type: event.type,
      row: rows.find((row) => row.id === event.id),
    }));
}
