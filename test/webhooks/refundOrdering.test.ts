import type Stripe from 'stripe';
import { useBillingStack } from '../support/billingStack';
import { deliverEvent } from '../support/eventPermutations';
import {
  booksOf,
  creditPurchase,
  isRefundEvent,
  subscriptionCharge,
  unappliedEvents,
  type Flow,
} from '../support/moneyFlows';

/**
 * A refund made in Stripe's dashboard right after a purchase: Stripe may deliver its events before,
 * between or after the purchase's own. However they arrive, the payment is recorded once, the refund
 * once, and a refunded credit purchase takes its credits back.
 */
const stack = useBillingStack({ webhooks: false });

type Order = 'before' | 'between' | 'after';

/** The flow's events with the refund's moved before, into the middle of, or after the purchase's. */
function reorder(events: Stripe.Event[], order: Order, splitAfter: string): Stripe.Event[] {
  const refunds = events.filter(isRefundEvent);
  const purchase = events.filter((event) => !isRefundEvent(event));
  if (order === 'before') return [...refunds, ...purchase];
  if (order === 'after') return [...purchase, ...refunds];
  const split = purchase.findIndex((event) => event.type === splitAfter) + 1;
  expect(split).toBeGreaterThan(0);
  return [...purchase.slice(0, split), ...refunds, ...purchase.slice(split)];
}

async function deliverAll(flow: Flow, events: Stripe.Event[]) {
  for (const event of events) expect(await deliverEvent(stack, event)).toBe(200);
  expect(await unappliedEvents(stack, flow.events)).toEqual([]);
}

describe.each<Order>(['before', 'between', 'after'])(
  'a refund delivered %s the purchase’s events',
  (order) => {
    it('of a credit purchase: the payment is refunded in full and its credits are taken back', async () => {
      const flow = await creditPurchase({ stack, packageKey: 'credits_5000', refunds: [undefined] });
      await deliverAll(flow, reorder(flow.events, order, 'payment_intent.succeeded'));

      const books = await booksOf(stack, flow.account.id);
      expect(books.payments).toEqual([
        expect.objectContaining({
          type: 'credit_top_up',
          status: 'refunded',
          amount: 8000,
          amountRefunded: 8000,
        }),
        expect.objectContaining({ type: 'refund', status: 'completed', amount: 8000 }),
      ]);
      expect(books.ledger).toEqual([
        ['grant', 5_000_000, 5_000_000],
        ['refund_clawback', -5_000_000, 0],
      ]);
      expect(books.balance).toBe(0);
    });

    it('of a subscription charge: the invoice’s payment is recorded and refunded', async () => {
      const flow = await subscriptionCharge({ stack, planKey: 'pro_monthly', refunds: [1000] });
      await deliverAll(flow, reorder(flow.events, order, 'invoice.finalized'));

      const books = await booksOf(stack, flow.account.id);
      expect(books.payments).toEqual([
        expect.objectContaining({ type: 'refund', status: 'completed', amount: 1000 }),
        expect.objectContaining({
          type: 'subscription_payment',
          status: 'completed',
          amount: 2999,
          amountRefunded: 1000,
          paymentIntent: true,
          invoice: true,
          subscription: true,
        }),
      ]);
      expect(books.invoices).toEqual([['paid', 2999, 2999, true]]);
      expect(books.subscriptions).toEqual([
        ['free', 'canceled', false],
        ['pro_monthly', 'active', true],
      ]);
    });
  },
);

it('ignores, with the reason in the event log, a refund of a charge that paid for nothing we sold', async () => {
  const flow = await subscriptionCharge({ stack, planKey: 'pro_monthly' });
  for (const event of flow.events) await deliverEvent(stack, event);
  const intent = await stack.stripe.paymentIntents.create({
    amount: 1500,
    currency: 'usd',
    customer: flow.stripeCustomerId,
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  await stack.stripe.refunds.create({ payment_intent: intent.id });
  const [refunded] = (await stack.stripe.events.list({ type: 'charge.refunded', limit: 1 })).data;
  expect(await deliverEvent(stack, refunded!)).toBe(200);
  expect(await stack.knex('stripe_events').where({ id: refunded!.id }).first()).toMatchObject({
    status: 'ignored',
    accountId: flow.account.id,
    lastError: `PaymentIntent ${intent.id} paid for nothing we sold (no Checkout, invoice or top-up of ours)`,
  });
  expect(await stack.knex('payments').where({ accountId: flow.account.id, type: 'refund' })).toEqual([]);
});
