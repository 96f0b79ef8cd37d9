import type Stripe from 'stripe';
import { reconcileBooks } from '../../server/reconciliation/reconcileBooks';
import { advanceTestClock, submitCheckoutForm, TEST_CARDS } from '../../server/stripe-emulator/testing';
import { createMember, createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { useFollowingClock } from '../support/subscribedAccount';

/**
 * A refund Stripe reports as made can fail later (the card was closed): the money stays with us, so the
 * refund is undone here too, whichever of its events arrive, in whatever order, however often: the
 * refund row fails, the payment's refunded amount goes back down, and the credits clawed back for it
 * come back by a new ledger entry, once.
 */
const stack = useBillingStack({ webhooks: false });
const time = useFollowingClock();

const REFUND = `mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { status amountRefunded { amount } } }`;
const HOUR_MS = 3_600_000;

let admin: { cookie: string };
beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

async function deliver(event: Stripe.Event): Promise<{ status: number; outcome?: string }> {
  const payload = JSON.stringify(event);
  const response = await fetch(`${stack.app.url}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stack.stripe.webhooks.generateTestHeaderString({
        payload,
        secret: stack.webhookSecret,
      }),
    },
    body: payload,
  });
  const { outcome } = (await response.json()) as { outcome?: string };
  return { status: response.status, outcome };
}

/** The customer's events Stripe has emitted and the test has not taken yet, oldest first. */
function eventsOf(customerId: string) {
  const taken = new Set<string>();
  return async (): Promise<Stripe.Event[]> => {
    const all = await stack.stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    const fresh = all
      .filter((event) => {
        const object = event.data.object as { id?: string; customer?: string | null };
        return object.customer === customerId || object.id === customerId;
      })
      .filter((event) => !taken.has(event.id))
      .reverse();
    fresh.forEach((event) => taken.add(event.id));
    return fresh;
  };
}

/**
 * An owner buys 1,000 credits ($18) through Checkout with the card whose refunds fail, on a test clock;
 * the purchase's events are delivered. Half is refunded, by a platform admin here (500 credits clawed
 * back at once) or in Stripe's dashboard (nothing here until its events arrive).
 */
async function halfRefundedPurchase({ by = 'admin' }: { by?: 'admin' | 'dashboard' } = {}) {
  const { account, cookie } = await createMember({ role: 'owner' });
  const start = Math.floor(time.clock.now().getTime() / 1000);
  const testClock = await stack.stripe.testHelpers.testClocks.create({ frozen_time: start });
  const customer = await stack.stripe.customers.create({
    test_clock: testClock.id,
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  const next = eventsOf(customer.id);
  const creditPackageId = (await stack.knex('credit_packages').where({ key: 'credits_1000' }).first()).id;
  const { data } = await stack.app.graphql(
    'mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url } }',
    { input: { accountId: account.id, creditPackageId } },
    { cookie },
  );
  expect(
    (await submitCheckoutForm(data!.startCreditPackageCheckout.url, { card: TEST_CARDS.refundFails })).status,
  ).toBe(303);
  for (const event of await next()) expect((await deliver(event)).status).toBe(200);
  const payment = await stack
    .knex('payments')
    .where({ accountId: account.id, type: 'credit_top_up' })
    .first();
  if (by === 'dashboard') {
    await stack.stripe.refunds.create({ payment_intent: payment.stripePaymentIntentId, amount: 900 });
  } else {
    const refunded = await stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, amount: 900, reason: 'goodwill' } },
      admin,
    );
    expect(refunded.data!.refundPayment).toEqual({ status: 'COMPLETED', amountRefunded: { amount: 900 } });
  }
  return {
    account,
    payment,
    next,
    /** Moves Stripe's test clock (and ours) past the moment the refund fails. */
    async refundFails() {
      time.clock.set(new Date(time.clock.now().getTime() + HOUR_MS));
      await advanceTestClock(stack.stripe, testClock.id, Math.floor(time.clock.now().getTime() / 1000));
    },
  };
}

async function booksOf({ account, payment }: { account: { id: string }; payment: { id: string } }) {
  const original = await stack.knex('payments').where({ id: payment.id }).first();
  const refunds = await stack.knex('payments').where({ refundedPaymentId: payment.id });
  const entries = await stack.knex('credit_ledger_entries').where({ accountId: account.id }).orderBy('id');
  return {
    payment: { status: original.status, amountRefunded: original.amountRefunded },
    refunds: refunds.map((refund) => ({
      status: refund.status,
      amount: refund.amount,
      failureReason: refund.failureReason,
    })),
    balance: (await stack.knex('credit_balances').where({ accountId: account.id }).first()).balance,
    clawbacks: entries.filter((entry) => entry.entryType === 'refund_clawback').map((entry) => entry.amount),
    audit: (
      await stack.knex('audit_log').where({ accountId: account.id, action: 'payment.refund_failed' })
    ).map((entry) => ({ reason: entry.reason, details: entry.details })),
  };
}

/** The partner events about refunds: type, the refund's status and amount, the payment's refunded amount. */
async function paymentEventsOf(accountId: string) {
  const events = await stack
    .knex('partnerEvents')
    .where({ accountId })
    .whereIn('type', ['payment.refunded', 'payment.refund_failed'])
    .orderBy('sequence');
  return events.map(({ type, payload }) => [
    type,
    payload.refund.status,
    payload.refund.amount.amount,
    payload.payment.amountRefunded,
  ]);
}

async function differencesOf(accountId: string): Promise<string[]> {
  const report = await reconcileBooks({ since: new Date(0) });
  return (report.differences as Array<{ accountId: string; check: string }>)
    .filter((difference) => difference.accountId === accountId)
    .map((difference) => difference.check);
}

const UNDONE = {
  payment: { status: 'completed', amountRefunded: 0 },
  refunds: [{ status: 'failed', amount: 900, failureReason: 'expired_or_canceled_card' }],
  balance: 1_000_000,
};
const failureAudit = (creditsReturned: number, reason: string | null = 'goodwill') => [
  {
    reason,
    details: {
      amount: 900,
      stripeRefundId: expect.any(String),
      failureReason: 'expired_or_canceled_card',
      creditsReturned,
    },
  },
];

describe('a refund that fails after it went through', () => {
  it('is undone once, credits given back by a new entry, whichever failure event comes, each delivered twice', async () => {
    const purchase = await halfRefundedPurchase();
    for (const event of await purchase.next()) expect((await deliver(event)).status).toBe(200);
    expect(await booksOf(purchase)).toMatchObject({ balance: 500_000, clawbacks: [-500_000] });

    await purchase.refundFails();
    // Until its events are applied, reconciliation sees the books disagree with Stripe.
    expect(await differencesOf(purchase.account.id)).toEqual(
      expect.arrayContaining(['refunded amount matches Stripe', 'refund status matches Stripe']),
    );
    const failure = await purchase.next();
    expect(failure.map((event) => event.type)).toEqual([
      'refund.updated',
      'charge.refund.updated',
      'refund.failed',
    ]);
    // The last one first; each twice: the first to arrive undoes the refund, the rest find it undone.
    for (const event of failure.reverse()) {
      expect(await deliver(event)).toEqual({ status: 200, outcome: 'processed' });
      expect(await deliver(event)).toEqual({ status: 200, outcome: 'duplicate' });
    }
    expect(await booksOf(purchase)).toEqual({
      ...UNDONE,
      clawbacks: [-500_000, 500_000],
      audit: failureAudit(500_000),
    });
    expect(await differencesOf(purchase.account.id)).toEqual([]);
    // Partners heard it was refunded, then that it was not: once each.
    expect(await paymentEventsOf(purchase.account.id)).toEqual([
      ['payment.refunded', 'COMPLETED', 900, { amount: 900, currency: 'usd' }],
      ['payment.refund_failed', 'FAILED', 900, { amount: 0, currency: 'usd' }],
    ]);
  });

  it('is recorded failed, moving nothing, when its events arrive only after it failed, newest first', async () => {
    const purchase = await halfRefundedPurchase({ by: 'dashboard' });
    const refundEvents = await purchase.next();
    await purchase.refundFails();
    const all = [...refundEvents, ...(await purchase.next())];
    expect(all.map((event) => event.type)).toEqual([
      'refund.created',
      'charge.refunded',
      'refund.updated',
      'charge.refund.updated',
      'refund.failed',
    ]);
    for (const event of all.reverse()) expect((await deliver(event)).status).toBe(200);
    expect(await booksOf(purchase)).toEqual({ ...UNDONE, clawbacks: [], audit: failureAudit(0, null) });
    // Never recorded as made, so partners were told nothing either way.
    expect(await paymentEventsOf(purchase.account.id)).toEqual([]);
  });

  it('leaves the payment refundable again, and a new refund claws back its share', async () => {
    const purchase = await halfRefundedPurchase();
    for (const event of await purchase.next()) await deliver(event);
    await purchase.refundFails();
    for (const event of await purchase.next()) await deliver(event);

    const again = await stack.app.graphql(
      REFUND,
      { input: { paymentId: purchase.payment.id, amount: 900, reason: 'goodwill, again' } },
      admin,
    );
    expect(again.errors).toBeUndefined();
    expect(again.data!.refundPayment).toEqual({ status: 'COMPLETED', amountRefunded: { amount: 900 } });
    expect(await booksOf(purchase)).toMatchObject({
      payment: { status: 'completed', amountRefunded: 900 },
      balance: 500_000,
      clawbacks: [-500_000, 500_000, -500_000],
    });
  });
});
