import type { UserActor } from '../../server/auth/actor';
import { revenueMetrics } from '../../server/metrics/revenueMetrics';
import { createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

/**
 * Collected and refunded money is dated when it moved in Stripe (the charge paid on January 15, the
 * refund made on January 20, on the customer's clock), not when its event was recorded here, which can
 * be much later (an outage, retries; here, the test's real clock, months away).
 */
const stack = useBillingStack();
const time = useFollowingClock();

const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { amountRefunded { amount } } }`;

let admin: UserActor;
let adminCookie: string;
beforeAll(async () => {
  const user = await createUser({ isPlatformAdmin: true });
  admin = { kind: 'user', userId: user.id, sessionId: null, isPlatformAdmin: true };
  adminCookie = await sessionCookieFor(user);
});

it('dates a charge when it was paid and a refund when Stripe made it', async () => {
  const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
  await subscribed.advanceTo(new Date(JAN_15_2026.getTime() + 5 * DAY_MS));
  const charge = await stack
    .knex('payments')
    .where({ accountId: subscribed.account.id, type: 'subscription_payment' })
    .first();
  const refunded = await stack.app.graphql(
    REFUND,
    { input: { paymentId: charge.id, amount: 1000, reason: 'outage credit' } },
    { cookie: adminCookie },
  );
  expect(refunded.errors).toBeUndefined();
  await stack.settle();

  const january = await revenueMetrics({
    actor: admin,
    from: new Date(Date.UTC(2026, 0, 1)),
    to: new Date(Date.UTC(2026, 1, 1)),
    granularity: 'day',
  });
  const day = (date: number) =>
    january.series.find((point) => point.at.getTime() === Date.UTC(2026, 0, date))!;
  expect(day(15)).toMatchObject({ collected: 2999, refunded: 0 });
  expect(day(20)).toMatchObject({ collected: 0, refunded: 1000 });
});
