import type { UserActor } from '../../server/auth/actor';
import { revenueMetrics } from '../../server/metrics/revenueMetrics';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, createUser } from '../factories';
import { useBillingStack } from '../support/billingStack';

/**
 * An account that pays for Pro also pays a second Checkout opened outside our app: the second
 * subscription is canceled and refunded in full (decision 014). It was never the account's: revenue
 * metrics count one subscription, one paying account, no churn and no trial for it, and show its refund.
 */
const stack = useBillingStack();

const START = `mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }`;
const DAY_MS = 86_400_000;

let admin: UserActor;
beforeAll(async () => {
  const user = await createUser({ isPlatformAdmin: true });
  admin = { kind: 'user', userId: user.id, sessionId: null, isPlatformAdmin: true };
});

/** Pays our Checkout for Pro, then one opened elsewhere for the same customer; settles both. */
async function paidTwice({ withTrial }: { withTrial: boolean }) {
  const { account, cookie } = await createMember({ role: 'owner' });
  const pro = await stack.knex('plans').where({ key: 'pro_monthly', active: true }).first();
  if (!withTrial)
    // The account's trial is used up, so each Checkout charges at once.
    await stack
      .knex('subscriptions')
      .where({ accountId: account.id })
      .update({ trialStart: new Date(0), trialEnd: new Date(1) });
  const ours = await stack.app.graphql(
    START,
    { input: { accountId: account.id, planId: pro.id } },
    { cookie },
  );
  expect((await submitCheckoutForm(ours.data!.startSubscriptionCheckout.url)).status).toBe(303);
  await stack.settle();
  const { stripeCustomerId } = await stack.knex('accounts').where({ id: account.id }).first();
  const elsewhere = await stack.stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: stripeCustomerId,
    line_items: [{ price: pro.stripePriceId, quantity: 1 }],
    subscription_data: { metadata: { account_id: account.id }, ...(withTrial && { trial_period_days: 14 }) },
    success_url: 'https://partner.example/thanks',
  });
  expect((await submitCheckoutForm(elsewhere.url!)).status).toBe(303);
  await stack.settle();
  expect(
    await stack
      .knex('subscriptions')
      .where({ accountId: account.id, status: 'canceled' })
      .whereNotNull('stripeSubscriptionId'),
  ).toHaveLength(1);
}

const metricsAround = async (days: number) =>
  revenueMetrics({
    actor: admin,
    from: new Date(Date.now() - DAY_MS),
    to: new Date(Date.now() + days * DAY_MS),
    granularity: 'day',
  });

describe('revenue metrics with an extra subscription', () => {
  it('count the kept subscription only, and show the extra one’s refund', async () => {
    await paidTwice({ withTrial: false });
    const metrics = await metricsAround(1);
    expect(metrics).toMatchObject({
      mrr: 2999,
      payingAccounts: 1,
      churnBasisPoints: 0,
      trialsEnded: 0,
      subscriptionsByTier: [{ tier: 'pro', count: 1 }],
    });
    expect(metrics.series.reduce((sum, point) => sum + point.collected, 0)).toBe(2 * 2999);
    expect(metrics.series.reduce((sum, point) => sum + point.refunded, 0)).toBe(2999);
  });

  it('do not count the extra one’s trial as a trial that did not convert', async () => {
    await paidTwice({ withTrial: true });
    const metrics = await metricsAround(30);
    // The kept subscription is still in its trial; the extra one's trial never ended: it never began.
    expect(metrics).toMatchObject({ trialsEnded: 0, trialConversionBasisPoints: 0 });
  });
});
