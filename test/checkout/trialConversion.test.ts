import { advanceTestClock, submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, useFollowingClock } from '../support/subscribedAccount';

/**
 * A customer tries Starter without a card, likes it, and adds a card through Checkout, for Starter or for
 * another plan: the trial keeps its remaining days, and when it ends the card pays the first invoice.
 */
const stack = useBillingStack();
const time = useFollowingClock();

const TRIAL = `mutation($input: StartTrialInput!) { startTrial(input: $input) { subscription { status trialEnd } } }`;
const CHECKOUT = `mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url checkoutSession { id } } }`;
const CURRENT = `query($id: ID) { account(id: $id) { subscription { status trialEnd trialWithoutCard plan { key } } } }`;
const TRIAL_END = new Date(JAN_15_2026.getTime() + 7 * DAY_MS);

const planId = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;

/** A new owner on a card-less Starter trial, whose Stripe customer (made now) follows a test clock. */
async function cardlessTrial() {
  const { account, cookie } = await createMember({ role: 'owner' });
  const testClock = await stack.stripe.testHelpers.testClocks.create({
    frozen_time: Math.floor(time.clock.now().getTime() / 1000),
  });
  const customer = await stack.stripe.customers.create({
    name: account.name,
    test_clock: testClock.id,
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  const started = await stack.app.graphql(
    TRIAL,
    { input: { accountId: account.id, planId: await planId('starter_monthly') } },
    { cookie },
  );
  expect(started.data!.startTrial.subscription).toEqual({
    status: 'TRIALING',
    trialEnd: TRIAL_END.toISOString(),
  });
  const advanceTo = async (at: Date) => {
    time.clock.set(at);
    await advanceTestClock(stack.stripe, testClock.id, Math.floor(at.getTime() / 1000));
    await stack.settle();
  };
  return { account, cookie, customer, advanceTo };
}

async function current(accountId: string, cookie: string) {
  const { data, errors } = await stack.app.graphql(CURRENT, { id: accountId }, { cookie });
  expect(errors).toBeUndefined();
  return data!.account.subscription;
}

describe('a card-less trial converted through Checkout', () => {
  it.each([
    ['pro_monthly', 2999],
    ['starter_monthly', 999],
  ])('to %s keeps its remaining days, then becomes active and paid', async (planKey, price) => {
    const trial = await cardlessTrial();
    expect(await current(trial.account.id, trial.cookie)).toMatchObject({ trialWithoutCard: true });
    await trial.advanceTo(new Date(JAN_15_2026.getTime() + 2 * DAY_MS));

    const { data, errors } = await stack.app.graphql(
      CHECKOUT,
      { input: { accountId: trial.account.id, planId: await planId(planKey) } },
      { cookie: trial.cookie },
    );
    expect(errors).toBeUndefined();
    expect((await submitCheckoutForm(data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();

    // Five days of the seven remain; nothing is charged until they are over.
    expect(await current(trial.account.id, trial.cookie)).toEqual({
      status: 'TRIALING',
      trialEnd: TRIAL_END.toISOString(),
      trialWithoutCard: false,
      plan: { key: planKey },
    });
    const [stripeSubscription] = (await stack.stripe.subscriptions.list({ customer: trial.customer.id }))
      .data;
    expect(stripeSubscription!.trial_end).toBe(Math.floor(TRIAL_END.getTime() / 1000));
    expect(await stack.knex('payments').where({ accountId: trial.account.id })).toEqual([]);
    expect(
      await stack
        .knex('subscriptions')
        .where({ accountId: trial.account.id })
        .orderBy('createdAt')
        .select('status', 'cancellationReason'),
    ).toEqual([
      { status: 'canceled', cancellationReason: 'trial started' },
      { status: 'canceled', cancellationReason: 'replaced' },
      { status: 'trialing', cancellationReason: null },
    ]);

    await trial.advanceTo(new Date(TRIAL_END.getTime() + 2 * 3_600_000));
    expect(await current(trial.account.id, trial.cookie)).toMatchObject({
      status: 'ACTIVE',
      plan: { key: planKey },
    });
    expect(await stack.knex('payments').where({ accountId: trial.account.id })).toEqual([
      expect.objectContaining({ type: 'subscription_payment', status: 'completed', amount: price }),
    ]);
  });

  it('is charged at once when less than two days of the trial are left, as Stripe’s Checkout requires', async () => {
    const trial = await cardlessTrial();
    await trial.advanceTo(new Date(TRIAL_END.getTime() - DAY_MS));
    const { data } = await stack.app.graphql(
      CHECKOUT,
      { input: { accountId: trial.account.id, planId: await planId('pro_monthly') } },
      { cookie: trial.cookie },
    );
    expect((await submitCheckoutForm(data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();
    expect(await current(trial.account.id, trial.cookie)).toMatchObject({
      status: 'ACTIVE',
      trialEnd: null,
      plan: { key: 'pro_monthly' },
    });
    expect(await stack.knex('payments').where({ accountId: trial.account.id })).toEqual([
      expect.objectContaining({ status: 'completed', amount: 2999 }),
    ]);
  });
});
