import type { UserActor } from '../../server/auth/actor';
import { revenueMetrics } from '../../server/metrics/revenueMetrics';
import { createAccount, createDemoCatalog, createUser, grantTestCredits, unique } from '../factories';
import { useTestDatabase } from '../support/database';

/**
 * The figures the seeds ask for beside revenue, against fixtures computed by hand for March 2026:
 * trials started and converted (paid, not merely ended), the payment success rate, the Stripe webhook
 * success rate, and the mean credit balance.
 */
const db = useTestDatabase();
const at = (month: number, day: number) => new Date(Date.UTC(2026, month - 1, day));
let admin: UserActor;

/** A subscription row as the webhooks would have left it, on an account of its own. */
async function subscription(fields: Record<string, unknown>) {
  const account = await createAccount();
  await db
    .knex('subscriptions')
    .where({ accountId: account.id })
    .update({ status: 'canceled', endedAt: at(1, 1) });
  const plan = await db.knex('plans').where({ key: 'pro_monthly', active: true }).first();
  const [row] = await db
    .knex('subscriptions')
    .insert({
      accountId: account.id,
      planId: plan.id,
      quantity: 1,
      stripeSubscriptionId: unique('sub'),
      currentPeriodStart: fields.startedAt,
      ...fields,
    })
    .returning('id');
  return { accountId: account.id, subscriptionId: row.id as string };
}

function payment(fields: Record<string, unknown>) {
  return { currency: 'usd', type: 'subscription_payment', status: 'completed', amount: 2999, ...fields };
}

function stripeEvent(status: string, receivedAt: Date) {
  return {
    id: unique('evt'),
    type: 'invoice.paid',
    payload: {},
    status,
    stripeCreatedAt: receivedAt,
    receivedAt,
  };
}

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  const user = await createUser({ isPlatformAdmin: true });
  admin = { kind: 'user', userId: user.id, sessionId: null, isPlatformAdmin: true };

  // Trial A: started March 1, ended March 8, and its first charge went through: converted.
  const a = await subscription({
    status: 'active',
    startedAt: at(3, 1),
    trialStart: at(3, 1),
    trialEnd: at(3, 8),
  });
  // Trial B: started March 2, ended March 9, and its first charge failed: past due, not converted.
  const b = await subscription({
    status: 'past_due',
    startedAt: at(3, 2),
    trialStart: at(3, 2),
    trialEnd: at(3, 9),
  });
  // Trial C: started March 10, still trialing: started, not ended.
  await subscription({
    status: 'trialing',
    startedAt: at(3, 10),
    trialStart: at(3, 10),
    trialEnd: at(4, 10),
  });
  // Trial D: started in February, canceled when it ended on March 6 without paying.
  await subscription({
    status: 'canceled',
    startedAt: at(2, 20),
    trialStart: at(2, 20),
    trialEnd: at(3, 6),
    endedAt: at(3, 6),
  });

  const [charge] = await db
    .knex('payments')
    .insert(
      payment({
        accountId: a.accountId,
        subscriptionId: a.subscriptionId,
        createdAt: at(3, 8),
        completedAt: at(3, 8),
      }),
    )
    .returning('id');
  await db.knex('payments').insert([
    payment({
      accountId: b.accountId,
      subscriptionId: b.subscriptionId,
      status: 'failed',
      amount: 4999,
      createdAt: at(3, 9),
    }),
    payment({
      accountId: a.accountId,
      status: 'refunded',
      amount: 1000,
      amountRefunded: 1000,
      createdAt: at(3, 12),
    }),
    // Not charges tried in USD in March: a refund, one in euros, one still pending, one in February.
    payment({
      accountId: a.accountId,
      type: 'refund',
      amount: 500,
      refundedPaymentId: charge.id,
      createdAt: at(3, 13),
    }),
    payment({ accountId: a.accountId, currency: 'eur', status: 'failed', createdAt: at(3, 14) }),
    payment({ accountId: a.accountId, status: 'pending', createdAt: at(3, 15) }),
    payment({ accountId: a.accountId, status: 'failed', createdAt: at(2, 15) }),
  ]);

  await db
    .knex('stripeEvents')
    .insert([
      stripeEvent('processed', at(3, 1)),
      stripeEvent('processed', at(3, 2)),
      stripeEvent('processed', at(3, 3)),
      stripeEvent('ignored', at(3, 4)),
      stripeEvent('failed', at(3, 5)),
      stripeEvent('failed', at(2, 5)),
    ]);

  // Two more accounts with credits; the four above hold none. A deleted account does not count.
  for (const amount of [10_000, 5_001]) {
    const { id } = await createAccount();
    await grantTestCredits({ accountId: id, amount });
  }
  const deleted = await createAccount();
  await grantTestCredits({ accountId: deleted.id, amount: 1_000_000 });
  await db
    .knex('accounts')
    .where({ id: deleted.id })
    .update({ deletedAt: at(3, 1) });
});

it('counts trials started, and trials converted only when a charge went through', async () => {
  const metrics = await revenueMetrics({ actor: admin, from: at(3, 1), to: at(4, 1), granularity: 'month' });
  // Started in March: A, B, C. Ended in March: A, B, D; of those only A paid.
  expect(metrics).toMatchObject({ trialsStarted: 3, trialsEnded: 3, trialConversionBasisPoints: 3333 });
});

it('rates payments and Stripe events by what went through, and averages credit balances', async () => {
  const metrics = await revenueMetrics({ actor: admin, from: at(3, 1), to: at(4, 1), granularity: 'month' });
  // USD charges tried in March: A's (completed), B's (failed), one that went through and was refunded since.
  expect(metrics).toMatchObject({ paymentsAttempted: 3, paymentSuccessBasisPoints: 6666 });
  // Events received in March: four applied or ignored, one failed.
  expect(metrics).toMatchObject({ stripeEventsReceived: 5, stripeEventSuccessBasisPoints: 8000 });
  // Six accounts (A, B, C, D and the two with credits): (10,000 + 5,001) / 6, rounded down.
  expect(await db.knex('accounts').whereNull('deletedAt').count('* as count')).toEqual([{ count: 6 }]);
  expect(metrics.averageCreditBalanceMilliCredits).toBe(2500);
});

it('says 0, not a division by zero, for a range with nothing in it', async () => {
  const metrics = await revenueMetrics({ actor: admin, from: at(6, 1), to: at(7, 1), granularity: 'month' });
  expect(metrics).toMatchObject({
    trialsStarted: 0,
    trialsEnded: 0,
    trialConversionBasisPoints: 0,
    paymentsAttempted: 0,
    paymentSuccessBasisPoints: 0,
    stripeEventsReceived: 0,
    stripeEventSuccessBasisPoints: 0,
  });
});
