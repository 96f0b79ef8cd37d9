import { createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

/**
 * Subscription charges and upgrades are money like any other: a platform admin refunds them here, a
 * refund made in Stripe's dashboard is recorded, and the books agree with Stripe afterwards.
 */
const stack = useBillingStack();
const time = useFollowingClock();

const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { type status amount { amount } amountRefunded { amount } } }`;
const CHANGE = `mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind } }`;
const RECONCILE = `mutation { runReconciliation { balanced differences { check subject expected actual } } }`;

let admin: { cookie: string };
beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

const paymentsOf = (accountId: string) =>
  stack.knex('payments').where({ accountId }).orderBy('createdAt').orderBy('amount', 'desc');

/** A subscriber charged for their first month, and the PaymentIntent that charged them, as Stripe has it. */
async function subscribed() {
  const account = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
  const [payment] = await paymentsOf(account.account.id);
  expect(payment).toMatchObject({ type: 'subscription_payment', status: 'completed', amount: 2999 });
  const invoice = await stack.stripe.invoices.retrieve(account.subscription.latest_invoice as string, {
    expand: ['payments'],
  });
  const stripePaymentIntentId = invoice.payments!.data[0]!.payment.payment_intent as string;
  return { ...account, payment, stripePaymentIntentId };
}

async function refundedInStripe(stripePaymentIntentId: string) {
  const intent = await stack.stripe.paymentIntents.retrieve(stripePaymentIntentId, {
    expand: ['latest_charge'],
  });
  return (intent.latest_charge as { amount_refunded: number }).amount_refunded;
}

describe('refunding a subscription payment', () => {
  it('refunds it through Stripe, in part and then the rest, recorded once each', async () => {
    const { account, payment, stripePaymentIntentId } = await subscribed();
    const part = await stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, amount: 999, reason: 'outage credit' } },
      admin,
    );
    expect(part.errors).toBeUndefined();
    expect(part.data!.refundPayment).toEqual({
      type: 'SUBSCRIPTION_PAYMENT',
      status: 'COMPLETED',
      amount: { amount: 2999 },
      amountRefunded: { amount: 999 },
    });
    const rest = await stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, reason: 'cancelled in the first week' } },
      admin,
    );
    expect(rest.data!.refundPayment).toMatchObject({ status: 'REFUNDED', amountRefunded: { amount: 2999 } });
    await stack.settle();

    expect(await refundedInStripe(stripePaymentIntentId)).toBe(2999);
    const refunds = (await paymentsOf(account.id)).filter((row) => row.type === 'refund');
    expect(refunds.map((refund) => [refund.amount, refund.refundedPaymentId])).toEqual([
      [999, payment.id],
      [2000, payment.id],
    ]);
    expect((await stack.app.graphql(RECONCILE, {}, admin)).data!.runReconciliation).toEqual({
      balanced: true,
      differences: [],
    });
  });

  it('refunds an upgrade’s prorated charge', async () => {
    const account = await subscribed();
    await account.advanceTo(new Date(JAN_15_2026.getTime() + 15.5 * DAY_MS));
    const maxPlan = (await stack.knex('plans').where({ key: 'max_monthly', active: true }).first()).id;
    const changed = await stack.app.graphql(
      CHANGE,
      { input: { accountId: account.account.id, planId: maxPlan } },
      { cookie: await account.signInAgain() },
    );
    expect(changed.data!.changePlan.kind).toBe('UPGRADE');
    await stack.settle();
    const upgrade = await stack
      .knex('payments')
      .where({ accountId: account.account.id, type: 'subscription_upgrade' })
      .first();
    expect(upgrade).toMatchObject({
      status: 'completed',
      amount: 23_500,
      stripePaymentIntentId: expect.any(String),
    });

    const refunded = await stack.app.graphql(
      REFUND,
      { input: { paymentId: upgrade.id, reason: 'upgraded by mistake' } },
      admin,
    );
    expect(refunded.data!.refundPayment).toMatchObject({
      type: 'SUBSCRIPTION_UPGRADE',
      status: 'REFUNDED',
      amountRefunded: { amount: 23_500 },
    });
    expect(await refundedInStripe(upgrade.stripePaymentIntentId)).toBe(23_500);
  });

  it('records a refund made in Stripe’s dashboard, and the books still balance', async () => {
    const { account, payment, stripePaymentIntentId } = await subscribed();
    await stack.stripe.refunds.create({ payment_intent: stripePaymentIntentId, amount: 1500 });
    await stack.settle();

    expect(await stack.knex('payments').where({ id: payment.id }).first()).toMatchObject({
      status: 'completed',
      amountRefunded: 1500,
    });
    expect(
      await stack.knex('payments').where({ accountId: account.id, type: 'refund' }).select('amount'),
    ).toEqual([{ amount: 1500 }]);
    expect((await stack.app.graphql(RECONCILE, {}, admin)).data!.runReconciliation.balanced).toBe(true);
  });

  it('refunds a payment recorded before payments kept their PaymentIntent, learning it from the invoice', async () => {
    const { account, payment, stripePaymentIntentId } = await subscribed();
    await stack.knex('payments').where({ id: payment.id }).update({ stripePaymentIntentId: null });

    await stack.stripe.refunds.create({ payment_intent: stripePaymentIntentId, amount: 500 });
    await stack.settle();
    expect(await stack.knex('payments').where({ id: payment.id }).first()).toMatchObject({
      amountRefunded: 500,
      stripePaymentIntentId,
    });

    await stack.knex('payments').where({ id: payment.id }).update({ stripePaymentIntentId: null });
    const rest = await stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, reason: 'goodwill' } },
      admin,
    );
    expect(rest.errors).toBeUndefined();
    expect(rest.data!.refundPayment).toMatchObject({ status: 'REFUNDED', amountRefunded: { amount: 2999 } });
    await stack.settle();
    expect(await refundedInStripe(stripePaymentIntentId)).toBe(2999);
    expect(
      await stack
        .knex('payments')
        .where({ accountId: account.id, type: 'refund' })
        .orderBy('amount')
        .select('amount'),
    ).toEqual([{ amount: 500 }, { amount: 2499 }]);
  });
});
