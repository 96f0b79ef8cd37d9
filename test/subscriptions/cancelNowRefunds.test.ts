import type { UserActor } from '../../server/auth/actor';
import { failAt, type FaultPoint } from '../../server/faultPoints';
import { withIdempotency } from '../../server/idempotency/idempotentRequests';
import { cancelSubscription } from '../../server/subscriptions/cancellation';
import { createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller } from '../support/testApp';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

/**
 * A platform admin who cancels a paid subscription at once chooses what of the current period goes back
 * to the customer: nothing, the unused time (prorated to the second at the current price and seats), or
 * the whole period's charges (`refund` on cancelSubscription's input).
 */
const stack = useBillingStack();
const time = useFollowingClock();

let admin: UserActor;
let adminCaller: Caller;
beforeAll(async () => {
  const adminUser = await createUser({ isPlatformAdmin: true });
  admin = { kind: 'user', userId: adminUser.id, sessionId: null, isPlatformAdmin: true };
  adminCaller = { cookie: await sessionCookieFor(adminUser) };
});

const CANCEL = `mutation ($input: CancelSubscriptionInput!) {
  cancelSubscription(input: $input) { subscription { id status } }
}`;

/** Pro ($29.99 a month, from Jan 15 12:00 to Feb 15 12:00: 31 days), ten days in. */
async function tenDaysIntoPro() {
  const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
  await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 10 * DAY_MS));
  return subscribed;
}

async function refundsOf(subscribed: Awaited<ReturnType<typeof tenDaysIntoPro>>) {
  await stack.settle();
  const charge = await stack
    .knex('payments')
    .where({ accountId: subscribed.account.id, type: 'subscription_payment' })
    .first();
  const stripeRefunds = await stack.stripe.refunds.list({ payment_intent: charge.stripePaymentIntentId });
  const audit = await stack
    .knex('audit_log')
    .where({ accountId: subscribed.account.id, action: 'subscription.canceled' });
  return {
    stripe: stripeRefunds.data.map((refund) => refund.amount),
    ours: (await stack.knex('payments').where({ refundedPaymentId: charge.id })).map((row) => row.amount),
    amountRefunded: (await stack.knex('payments').where({ id: charge.id }).first()).amountRefunded,
    audit: audit.map((entry) => ({ reason: entry.reason, details: entry.details })),
    refundReasons: (
      await stack.knex('audit_log').where({ accountId: subscribed.account.id, action: 'payment.refunded' })
    ).map((entry) => entry.reason),
  };
}

describe('canceling at once', () => {
  it.each([
    // 2999 × 21/31 = 2031.6 → 2032, rounded half up as Stripe prorates.
    ['prorated', [2032]],
    ['full', [2999]],
    ['none', []],
  ] as const)('with refund %s gives back %j, recorded once with the reason', async (refund, amounts) => {
    const subscribed = await tenDaysIntoPro();
    const answer = await cancelSubscription({
      actor: admin,
      accountId: subscribed.account.id,
      atPeriodEnd: false,
      reason: 'service outage',
      refund,
    });
    const refunded = amounts.reduce((sum, amount) => sum + amount, 0);
    expect(await refundsOf(subscribed)).toEqual({
      stripe: amounts,
      ours: amounts,
      amountRefunded: refunded,
      audit: [{ reason: 'service outage', details: { refund, refunded, currency: 'usd' } }],
      refundReasons: amounts.map(() => 'service outage'),
    });
    expect((await stack.knex('subscriptions').where({ id: answer.subscriptionId }).first()).status).toBe(
      'canceled',
    );
  });

  it.each<FaultPoint>([
    'cancellation.afterStripeCall',
    'cancellation.afterRefunds',
    'cancellation.beforeCommit',
  ])('refunds once what was decided first when retried after failing at %s, a day later', async (point) => {
    const subscribed = await tenDaysIntoPro();
    const idempotencyKey = unique('k');
    const request = () =>
      withIdempotency({
        actor: admin,
        idempotencyKey,
        operation: 'cancelSubscription',
        input: { accountId: subscribed.account.id, atPeriodEnd: false, refund: 'prorated' },
        authorize: async () => undefined,
        work: () =>
          cancelSubscription({
            actor: admin,
            accountId: subscribed.account.id,
            atPeriodEnd: false,
            refund: 'prorated',
          }),
      });
    failAt(point);
    await expect(request()).rejects.toThrow(`Injected fault at ${point}`);
    await stack.settle();
    time.clock.set(new Date(time.clock.now().getTime() + DAY_MS));
    await request();
    const refunds = await refundsOf(subscribed);
    expect(refunds.stripe).toEqual([2032]);
    expect(refunds.ours).toEqual([2032]);
    expect(refunds.audit).toHaveLength(1);
  });

  it('refuses a refund with a cancellation at the period end, changing nothing', async () => {
    const subscribed = await tenDaysIntoPro();
    await expect(
      cancelSubscription({ actor: admin, accountId: subscribed.account.id, refund: 'full' }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await stack.stripe.subscriptions.retrieve(subscribed.subscription.id)).cancel_at_period_end).toBe(
      false,
    );
  });

  it('is chosen through the API by a platform admin', async () => {
    const subscribed = await tenDaysIntoPro();
    const result = await stack.app.graphql(
      CANCEL,
      {
        input: { accountId: subscribed.account.id, atPeriodEnd: false, refund: 'PRORATED', reason: 'outage' },
      },
      adminCaller,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toMatchObject({ cancelSubscription: { subscription: { status: 'CANCELED' } } });
    const refunds = await refundsOf(subscribed);
    expect(refunds.stripe).toEqual([2032]);
    expect(refunds.ours).toEqual([2032]);
  });

  it('is refused through the API with a cancellation at the period end, naming the field', async () => {
    const subscribed = await tenDaysIntoPro();
    const result = await stack.app.graphql(
      CANCEL,
      { input: { accountId: subscribed.account.id, refund: 'FULL' } },
      adminCaller,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(JSON.stringify(result.errors)).toContain('refund');
    expect((await refundsOf(subscribed)).stripe).toEqual([]);
  });
});
