import { advanceTestClock } from '../../server/stripe-emulator/testing';
import { createAccount } from '../factories';
import { useBillingStack } from '../support/billingStack';

/**
 * Months of billing on a test clock while the emulator delivers every webhook in shuffled order and
 * often twice: our copy must still end exactly where Stripe is.
 */
const stack = useBillingStack({ delivery: { duplicateProbability: 0.5, shuffle: true, seed: 20261121 } });
const DAY = 86_400;

async function accountOnClock(paymentMethod: string) {
  const account = await createAccount({ billingEmail: 'billing@customer.test' });
  const clock = await stack.stripe.testHelpers.testClocks.create({
    frozen_time: Math.floor(Date.UTC(2026, 0, 15, 12) / 1000),
  });
  const customer = await stack.stripe.customers.create({
    name: account.name,
    test_clock: clock.id,
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  const card = await stack.stripe.paymentMethods.attach(paymentMethod, { customer: customer.id });
  await stack.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
  return { account, clock, customer };
}

const priceOf = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).stripePriceId as string;

describe('billing under duplicated, shuffled delivery', () => {
  it('renews month after month with one invoice and one payment each', async () => {
    const { account, clock, customer } = await accountOnClock('pm_card_visa');
    const subscription = await stack.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: await priceOf('pro_monthly') }],
    });
    for (const months of [1, 2, 3]) {
      await advanceTestClock(stack.stripe, clock.id, clock.frozen_time + months * 31 * DAY);
    }
    await stack.settle();

    const stripeSubscription = await stack.stripe.subscriptions.retrieve(subscription.id);
    const stripeInvoices = (await stack.stripe.invoices.list({ customer: customer.id, limit: 100 })).data;
    const local = await stack.knex('subscriptions').where({ stripeSubscriptionId: subscription.id }).first();
    expect(local).toMatchObject({
      status: 'active',
      currentPeriodEnd: new Date(stripeSubscription.items.data[0]!.current_period_end * 1000),
    });
    const invoices = await stack.knex('invoices').where({ accountId: account.id }).orderBy('issuedAt');
    expect(
      invoices.map((invoice) => [invoice.stripeInvoiceId, invoice.status, invoice.total]).sort(),
    ).toEqual(stripeInvoices.map((invoice) => [invoice.id, invoice.status, invoice.total]).sort());
    const paidInvoices = stripeInvoices.filter((invoice) => invoice.status === 'paid');
    expect(paidInvoices.length).toBeGreaterThanOrEqual(4);
    const payments = await stack.knex('payments').where({ accountId: account.id });
    expect(payments).toHaveLength(paidInvoices.length);
    expect(payments.every((payment) => payment.status === 'completed' && payment.amount === 2999)).toBe(true);
    expect(await stack.knex('stripe_events').where({ status: 'failed' })).toEqual([]);
  });

  it('takes a failing renewal through past due and its grace period back to the free plan, notifying once per cause', async () => {
    const { account, clock, customer } = await accountOnClock('pm_card_chargeCustomerFail');
    const subscription = await stack.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: await priceOf('pro_monthly') }],
      trial_period_days: 3,
    });
    await advanceTestClock(stack.stripe, clock.id, clock.frozen_time + 3 * DAY + 2 * 3600);
    await stack.settle();
    const pastDue = await stack
      .knex('subscriptions')
      .where({ stripeSubscriptionId: subscription.id })
      .first();
    expect(pastDue).toMatchObject({ status: 'past_due', gracePeriodEndsAt: expect.any(Date) });
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([
      expect.objectContaining({ status: 'failed', amount: 2999 }),
    ]);

    // Stripe retries on days 3, 5 and 7 after the first failure, then cancels.
    for (const day of [4, 6, 8, 11]) {
      await advanceTestClock(stack.stripe, clock.id, clock.frozen_time + 3 * DAY + 2 * 3600 + day * DAY);
      await stack.settle();
    }
    expect((await stack.stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
    const rows = await stack.knex('subscriptions').where({ accountId: account.id }).orderBy('createdAt');
    expect(rows.map((row) => [row.stripeSubscriptionId, row.status])).toEqual([
      [null, 'canceled'],
      [subscription.id, 'canceled'],
      [null, 'active'],
    ]);
    const notices = await stack.knex('notifications').where({ accountId: account.id }).select('kind');
    const kinds = notices.map((notice) => notice.kind).sort();
    expect(kinds.filter((kind) => kind === 'subscription_canceled')).toHaveLength(1);
    // One notice per failed attempt while the subscription was past due (the last attempt cancels it
    // instead), however many times each failure was delivered.
    const [failedInvoice] = (await stack.stripe.invoices.list({ customer: customer.id, status: 'open' }))
      .data;
    expect(failedInvoice!.attempt_count).toBe(4);
    expect(kinds.filter((kind) => kind === 'payment_failed')).toHaveLength(3);
    expect(await stack.knex('stripe_events').where({ status: 'failed' })).toEqual([]);
  });
});
