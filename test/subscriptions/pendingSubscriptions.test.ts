import { advanceTestClock } from '../../server/stripe-emulator/testing';
import { createMember } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

/**
 * A subscription created for one of our customers whose first payment is not complete (Stripe's
 * `incomplete`: here created elsewhere with `default_incomplete`, as a 3-D Secure step or a slow payment
 * leaves one) is recorded at once, and the event log says it was applied; the account keeps its plan
 * until it is paid. Paid, it becomes the account's; abandoned (`incomplete_expired`), it ends, never
 * having been the account's, and nothing else changes.
 */
const stack = useBillingStack();
const time = useFollowingClock();

const CURRENT = `query($id: ID) { account(id: $id) { subscription { status plan { key } } } }`;

async function pendingProSubscription() {
  const { account, cookie } = await createMember({ role: 'owner' });
  const start = Math.floor(time.clock.now().getTime() / 1000);
  const testClock = await stack.stripe.testHelpers.testClocks.create({ frozen_time: start });
  const customer = await stack.stripe.customers.create({
    test_clock: testClock.id,
    payment_method: 'pm_card_visa',
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  // Pro's trial is used up: the first invoice is due at once.
  await stack
    .knex('subscriptions')
    .where({ accountId: account.id })
    .update({ trialStart: new Date(0), trialEnd: new Date(1) });
  const price = (await stack.knex('plans').where({ key: 'pro_monthly', active: true }).first()).stripePriceId;
  const subscription = await stack.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price }],
    payment_behavior: 'default_incomplete',
  });
  expect(subscription.status).toBe('incomplete');
  await stack.settle();
  return {
    account,
    cookie,
    subscription,
    async advanceTo(at: Date) {
      time.clock.set(at);
      await advanceTestClock(stack.stripe, testClock.id, Math.floor(at.getTime() / 1000));
      await stack.settle();
    },
  };
}

const current = async (accountId: string, cookie: string) =>
  (await stack.app.graphql(CURRENT, { id: accountId }, { cookie })).data!.account.subscription;
const rowOf = (stripeSubscriptionId: string) =>
  stack.knex('subscriptions').where({ stripeSubscriptionId }).first();

describe('a subscription whose first payment is pending', () => {
  it('is recorded at once, not as the current one, and the event log says it was applied', async () => {
    const { account, cookie, subscription } = await pendingProSubscription();
    const pending = await rowOf(subscription.id);
    expect(pending).toMatchObject({ accountId: account.id, status: 'incomplete', endedAt: null });
    expect(await current(account.id, cookie)).toEqual({ status: 'ACTIVE', plan: { key: 'free' } });
    const created = await stack
      .knex('stripe_events')
      .where({ type: 'customer.subscription.created' })
      .whereRaw(`payload -> 'data' -> 'object' ->> 'id' = ?`, [subscription.id])
      .first();
    expect(created).toMatchObject({ status: 'processed', accountId: account.id, lastError: null });
    // Its invoice is recorded against it while it waits.
    const invoice = await stack
      .knex('invoices')
      .where({ stripeInvoiceId: subscription.latest_invoice })
      .first();
    expect(invoice).toMatchObject({ subscriptionId: pending.id, status: 'open' });
    expect(
      await stack.knex('audit_log').where({ accountId: account.id, action: 'subscription.pending' }),
    ).toHaveLength(1);
  });

  it('becomes the account’s subscription once paid, on the same row, with its payment', async () => {
    const { account, cookie, subscription } = await pendingProSubscription();
    const pending = await rowOf(subscription.id);
    const [card] = (await stack.stripe.customers.listPaymentMethods(subscription.customer as string)).data;
    await stack.stripe.invoices.pay(subscription.latest_invoice as string, { payment_method: card!.id });
    await stack.settle();
    expect(await rowOf(subscription.id)).toMatchObject({ id: pending.id, status: 'active' });
    expect(await current(account.id, cookie)).toEqual({ status: 'ACTIVE', plan: { key: 'pro_monthly' } });
    expect(
      await stack
        .knex('payments')
        .where({ accountId: account.id, subscriptionId: pending.id, status: 'completed' }),
    ).toHaveLength(1);
  });

  it('ends, never having been the account’s, when Stripe gives up on it, and the account keeps its plan', async () => {
    const { account, cookie, subscription, advanceTo } = await pendingProSubscription();
    await advanceTo(new Date(time.clock.now().getTime() + DAY_MS));
    expect((await stack.stripe.subscriptions.retrieve(subscription.id)).status).toBe('incomplete_expired');
    const expired = await rowOf(subscription.id);
    expect(expired).toMatchObject({
      status: 'expired',
      cancellationReason: 'its first payment was never completed',
    });
    expect(expired.startedAt).toEqual(expired.endedAt);
    expect(await current(account.id, cookie)).toEqual({ status: 'ACTIVE', plan: { key: 'free' } });
    expect(
      await stack.knex('notifications').where({ accountId: account.id, kind: 'subscription_canceled' }),
    ).toHaveLength(0);
    expect(
      await stack
        .knex('stripe_events')
        .where({ accountId: account.id })
        .whereNot({ status: 'processed' })
        .select('type', 'status', 'lastError'),
    ).toEqual([]);
  });

  it('is settled as an extra one, on its row, when it is paid while the account pays already', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const team = (await stack.knex('plans').where({ key: 'team_monthly', active: true }).first())
      .stripePriceId;
    const second = await stack.stripe.subscriptions.create({
      customer: subscribed.customer.id,
      items: [{ price: team }],
      payment_behavior: 'default_incomplete',
    });
    await stack.settle();
    const pending = await rowOf(second.id);
    expect(pending.status).toBe('incomplete');
    const [card] = (await stack.stripe.customers.listPaymentMethods(subscribed.customer.id)).data;
    await stack.stripe.invoices.pay(second.latest_invoice as string, { payment_method: card!.id });
    await stack.settle();

    expect(await rowOf(second.id)).toMatchObject({
      id: pending.id,
      status: 'canceled',
      cancellationReason: 'a second subscription of an account that already has one',
    });
    expect((await stack.stripe.subscriptions.retrieve(second.id)).status).toBe('canceled');
    expect(await current(subscribed.account.id, subscribed.cookie)).toEqual({
      status: 'ACTIVE',
      plan: { key: 'pro_monthly' },
    });
  });
});
