import type Stripe from 'stripe';
import { advanceTestClock } from '../../server/stripe-emulator/testing';
import { startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

async function pay(amount: number, customer?: string): Promise<Stripe.PaymentIntent> {
  return h.stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    customer,
    payment_method: 'pm_card_visa',
    confirm: true,
    description: 'Order 7',
  });
}

test('a succeeded charge has a charge balance transaction with Stripe fee and net', async () => {
  const intent = await pay(2000);
  const charge = await h.stripe.charges.retrieve(intent.latest_charge as string);
  expect(charge.balance_transaction).toMatch(/^txn_/);
  const transaction = await h.stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
  // 2.9% of 2000 is 58, plus 30.
  expect(transaction).toMatchObject({
    object: 'balance_transaction',
    type: 'charge',
    reporting_category: 'charge',
    amount: 2000,
    fee: 88,
    net: 1912,
    currency: 'usd',
    source: charge.id,
    status: 'pending',
    description: 'Order 7',
    fee_details: [{ amount: 88, currency: 'usd', type: 'stripe_fee' }],
  });
  expect(transaction.available_on).toBeGreaterThan(transaction.created);
  expect(transaction.available_on % 86_400).toBe(0);
});

test('the fee rounds 2.9% to the nearest minor unit', async () => {
  // 2.9% of 1050 is 30.45 → 30; of 1999 is 57.971 → 58.
  for (const [amount, fee] of [
    [1050, 60],
    [1999, 88],
  ]) {
    const intent = await pay(amount);
    const charge = await h.stripe.charges.retrieve(intent.latest_charge as string, {
      expand: ['balance_transaction'],
    });
    expect(charge.balance_transaction).toMatchObject({ amount, fee, net: amount - fee });
  }
});

test('a refund has its own negative refund balance transaction', async () => {
  const intent = await pay(3000);
  const refund = await h.stripe.refunds.create({ payment_intent: intent.id, amount: 1000 });
  expect(refund.balance_transaction).toMatch(/^txn_/);
  const transaction = await h.stripe.balanceTransactions.retrieve(refund.balance_transaction as string);
  expect(transaction).toMatchObject({
    type: 'refund',
    reporting_category: 'refund',
    amount: -1000,
    fee: 0,
    net: -1000,
    source: refund.id,
    status: 'available',
    fee_details: [],
  });
});

test('expand reaches the balance transaction from charges and PaymentIntents', async () => {
  const intent = await pay(2500);
  const expanded = await h.stripe.paymentIntents.retrieve(intent.id, {
    expand: ['latest_charge.balance_transaction'],
  });
  const charge = expanded.latest_charge as Stripe.Charge;
  expect(charge.balance_transaction).toMatchObject({
    object: 'balance_transaction',
    amount: 2500,
    source: charge.id,
  });
  const listed = await h.stripe.charges.list({
    payment_intent: intent.id,
    expand: ['data.balance_transaction'],
  });
  expect(listed.data[0].balance_transaction).toMatchObject({ type: 'charge' });
  const withSource = await h.stripe.balanceTransactions.retrieve(
    (charge.balance_transaction as Stripe.BalanceTransaction).id,
    { expand: ['source'] },
  );
  expect(withSource.source).toMatchObject({ object: 'charge', id: charge.id });
});

test('lists filter by type and source; a failed charge has none', async () => {
  const intent = await pay(2100);
  const charge = await h.stripe.charges.retrieve(intent.latest_charge as string);
  await h.stripe.refunds.create({ charge: charge.id });
  const bySource = await h.stripe.balanceTransactions.list({ source: charge.id });
  expect(bySource.data.map((transaction) => transaction.id)).toEqual([charge.balance_transaction]);
  const refunds = await h.stripe.balanceTransactions.list({ type: 'refund', limit: 100 });
  expect(refunds.data.length).toBeGreaterThan(0);
  expect(refunds.data.every((transaction) => transaction.type === 'refund')).toBe(true);

  const declined = await h.stripe.paymentIntents
    .create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true })
    .catch((error: Stripe.errors.StripeCardError) => error);
  const failedCharge = await h.stripe.charges.retrieve(
    (declined as Stripe.errors.StripeCardError).charge as string,
  );
  expect(failedCharge.balance_transaction).toBeNull();

  const missing = await h.stripe.balanceTransactions.retrieve('txn_missing').catch((error: unknown) => error);
  expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
});

test('a charge becomes available on its available_on date, on its customer clock', async () => {
  const start = Date.UTC(2031, 2, 10, 15) / 1000;
  const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: start });
  const customer = await h.stripe.customers.create({ test_clock: clock.id });
  const intent = await pay(2000, customer.id);
  const charge = await h.stripe.charges.retrieve(intent.latest_charge as string, {
    expand: ['balance_transaction'],
  });
  const transaction = charge.balance_transaction as Stripe.BalanceTransaction;
  expect(transaction).toMatchObject({ created: start, status: 'pending' });
  expect(transaction.available_on).toBe(Date.UTC(2031, 2, 12) / 1000);
  await advanceTestClock(h.stripe, clock.id, transaction.available_on);
  expect(await h.stripe.balanceTransactions.retrieve(transaction.id)).toMatchObject({ status: 'available' });
});
