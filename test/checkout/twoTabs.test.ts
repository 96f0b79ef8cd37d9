import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember } from '../factories';
import { useBillingStack } from '../support/billingStack';

/**
 * One customer, two tabs (or a double click): two subscription Checkouts opened before either is paid.
 * The later one closes the earlier in Stripe, so only one can be paid, and the account ends with one
 * subscription in Stripe as here.
 */
const stack = useBillingStack();

const START = `mutation($input: StartSubscriptionCheckoutInput!) {
  startSubscriptionCheckout(input: $input) { url checkoutSession { id status } }
}`;
const CHECKOUT = `query($id: ID!, $checkout: ID!) { account(id: $id) { checkoutSession(id: $checkout) { status } subscription { status plan { key } } } }`;

const planId = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;

/** An owner whose account had its trial already, so that each Checkout charges at once. */
async function ownerAfterTrial() {
  const member = await createMember({ role: 'owner' });
  await stack.knex('subscriptions').insert({
    accountId: member.account.id,
    planId: await planId('pro_monthly'),
    status: 'expired',
    endedAt: new Date(),
    currentPeriodStart: new Date(Date.now() - 86_400_000),
    trialStart: new Date(Date.now() - 86_400_000),
    trialEnd: new Date(),
  });
  return member;
}

async function liveStripeSubscriptions(accountId: string) {
  const { stripeCustomerId } = await stack.knex('accounts').where({ id: accountId }).first();
  const all = await stack.stripe.subscriptions.list({ customer: stripeCustomerId, status: 'all' });
  return all.data.filter((subscription) => !['canceled', 'incomplete_expired'].includes(subscription.status));
}

async function expectOnePaidSubscription(accountId: string, planKey: string, amount: number) {
  const live = await liveStripeSubscriptions(accountId);
  expect(live).toHaveLength(1);
  const current = await stack
    .knex('subscriptions')
    .where({ accountId })
    .whereIn('status', ['trialing', 'active', 'past_due'])
    .first();
  expect(current).toMatchObject({ stripeSubscriptionId: live[0]!.id });
  expect((await stack.knex('plans').where({ id: current.planId }).first()).key).toBe(planKey);
  expect(await stack.knex('payments').where({ accountId })).toEqual([
    expect.objectContaining({ status: 'completed', amount }),
  ]);
}

describe('two subscription Checkouts of one account', () => {
  it('opened in two tabs: the first can no longer be paid, the second is, and only it is charged', async () => {
    const { account, cookie } = await ownerAfterTrial();
    const tabs = [];
    for (const key of ['pro_monthly', 'max_monthly']) {
      const { data, errors } = await stack.app.graphql(
        START,
        { input: { accountId: account.id, planId: await planId(key) } },
        { cookie },
      );
      expect(errors).toBeUndefined();
      tabs.push(data!.startSubscriptionCheckout);
    }
    const [first, second] = tabs;

    const late = await submitCheckoutForm(first.url);
    expect(late.status).toBe(409);
    expect((await submitCheckoutForm(second.url)).status).toBe(303);
    await stack.settle();

    await expectOnePaidSubscription(account.id, 'max_monthly', 49_999);
    const statusOf = async (checkout: string) =>
      (await stack.app.graphql(CHECKOUT, { id: account.id, checkout }, { cookie })).data!.account
        .checkoutSession.status;
    expect(await statusOf(first.checkoutSession.id)).toBe('EXPIRED');
    expect(await statusOf(second.checkoutSession.id)).toBe('COMPLETED');
  });

  it('opened by a double click at the same moment: one of them is paid, once', async () => {
    const { account, cookie } = await ownerAfterTrial();
    const input = { accountId: account.id, planId: await planId('pro_monthly') };
    const started = await Promise.all([
      stack.app.graphql(START, { input }, { cookie }),
      stack.app.graphql(START, { input }, { cookie }),
    ]);
    expect(started.map((result) => result.errors)).toEqual([undefined, undefined]);
    const outcomes = await Promise.all(
      started.map((result) => submitCheckoutForm(result.data!.startSubscriptionCheckout.url)),
    );
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual([303, 409]);
    await stack.settle();
    await expectOnePaidSubscription(account.id, 'pro_monthly', 2999);
    expect(await stack.knex('checkout_sessions').where({ accountId: account.id, status: 'open' })).toEqual(
      [],
    );
  });

  it('refuses a second Checkout once the first is paid, even before its webhook has landed', async () => {
    const { account, cookie } = await ownerAfterTrial();
    const input = { accountId: account.id, planId: await planId('pro_monthly') };
    const first = await stack.app.graphql(START, { input }, { cookie });
    expect((await submitCheckoutForm(first.data!.startSubscriptionCheckout.url)).status).toBe(303);

    const second = await stack.app.graphql(START, { input }, { cookie });
    expect(second.errors?.[0]?.extensions.code).toBe('CONFLICT');
    await stack.settle();
    await expectOnePaidSubscription(account.id, 'pro_monthly', 2999);
    const again = await stack.app.graphql(START, { input }, { cookie });
    expect(again.errors?.[0]).toMatchObject({
      extensions: { code: 'CONFLICT' },
      message: 'This account already has a paid subscription; change its plan instead.',
    });
  });

  it('left open from before this rule: a lifetime plan paid alongside is refunded in full, the plan kept', async () => {
    const { account, cookie } = await ownerAfterTrial();
    const lifetime = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: await planId('pro_lifetime') } },
      { cookie },
    );
    // Closed here only, as the migration closed all but the newest open Checkout of an account.
    await stack
      .knex('checkout_sessions')
      .where({ id: lifetime.data!.startSubscriptionCheckout.checkoutSession.id })
      .update({ status: 'expired' });
    const monthly = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: await planId('pro_monthly') } },
      { cookie },
    );
    expect((await submitCheckoutForm(monthly.data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();
    expect((await submitCheckoutForm(lifetime.data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();

    const current = await stack.app.graphql(
      CHECKOUT,
      { id: account.id, checkout: lifetime.data!.startSubscriptionCheckout.checkoutSession.id },
      { cookie },
    );
    expect(current.data!.account).toEqual({
      checkoutSession: { status: 'COMPLETED' },
      subscription: { status: 'ACTIVE', plan: { key: 'pro_monthly' } },
    });
    const payments = await stack.knex('payments').where({ accountId: account.id }).orderBy('createdAt');
    expect(payments).toHaveLength(3);
    expect(payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: 2999 }),
        expect.objectContaining({ status: 'refunded', amount: 29_900, amountRefunded: 29_900 }),
        expect.objectContaining({ type: 'refund', status: 'completed', amount: 29_900 }),
      ]),
    );
    const lifetimePayment = payments.find((payment) => payment.status === 'refunded');
    const intent = await stack.stripe.paymentIntents.retrieve(lifetimePayment.stripePaymentIntentId, {
      expand: ['latest_charge'],
    });
    expect((intent.latest_charge as { amount_refunded: number }).amount_refunded).toBe(29_900);
    expect(
      await stack
        .knex('notifications')
        .where({ accountId: account.id, kind: 'duplicate_subscription_canceled' }),
    ).toHaveLength(1);
    expect(await stack.knex('stripe_events').where({ accountId: account.id, status: 'failed' })).toEqual([]);
  });
});

describe('an account on a lifetime plan', () => {
  it('is refused a subscription Checkout, which would only be refunded', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    await stack
      .knex('subscriptions')
      .where({ accountId: account.id })
      .update({ planId: await planId('pro_lifetime'), currentPeriodEnd: null });
    const { errors } = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: await planId('max_monthly') } },
      { cookie },
    );
    expect(errors?.[0]).toMatchObject({
      extensions: { code: 'CONFLICT' },
      message: 'This account has a lifetime plan already; contact support to change it.',
    });
    expect(await stack.knex('checkout_sessions').where({ accountId: account.id })).toEqual([]);
  });
});
