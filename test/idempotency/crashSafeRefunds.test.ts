import { failAt, holdAt, type FaultPoint } from '../../server/faultPoints';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { startCrashingProcess, type CrashingProcess } from '../support/crashingProcess';

const stack = useBillingStack();

const REFUND = `mutation($input: RefundPaymentInput!) {
  refundPayment(input: $input) { id status amountRefunded { amount } } }`;

let admin: { cookie: string };
beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

let crashing: CrashingProcess | undefined;
afterEach(() => crashing?.stop());

/** A customer bought 1,000 credits ($18) through Checkout. */
async function creditPurchase() {
  const { account, cookie } = await createMember({ role: 'owner' });
  const creditPackageId = (await stack.knex('credit_packages').where({ key: 'credits_1000' }).first()).id;
  const { data } = await stack.app.graphql(
    'mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url } }',
    { input: { accountId: account.id, creditPackageId } },
    { cookie },
  );
  await submitCheckoutForm(data!.startCreditPackageCheckout.url);
  await stack.settle();
  const payment = await stack
    .knex('payments')
    .where({ accountId: account.id, type: 'credit_top_up' })
    .first();
  return { account, payment };
}

/** What the refund did, in Stripe and in our books. */
async function effectsOf({ account, payment }: Awaited<ReturnType<typeof creditPurchase>>) {
  await stack.settle();
  const stripeRefunds = await stack.stripe.refunds.list({ payment_intent: payment.stripePaymentIntentId });
  const refundRows = await stack.knex('payments').where({ refundedPaymentId: payment.id });
  const clawbacks = await stack
    .knex('credit_ledger_entries')
    .where({ accountId: account.id, entryType: 'refund_clawback' });
  const original = await stack.knex('payments').where({ id: payment.id }).first();
  return {
    stripeRefunds: stripeRefunds.data.map((refund) => refund.amount),
    refundRows: refundRows.map((row) => row.amount),
    clawedBack: clawbacks.map((entry) => entry.amount),
    amountRefunded: original.amountRefunded,
  };
}

const ONE_HALF_REFUND = {
  stripeRefunds: [900],
  refundRows: [900],
  clawedBack: [-500_000],
  amountRefunded: 900,
};

describe('a refund retried after its process crashed', () => {
  it.each<FaultPoint>([
    'refund.beforeStripeCall',
    'refund.afterStripeCall',
    'refund.beforeCommit',
    'refund.afterCommit',
    'idempotency.beforeCompletion',
  ])('is made once when the process died at %s, and the retry is answered at once', async (point) => {
    const purchase = await creditPurchase();
    const input = {
      paymentId: purchase.payment.id,
      amount: 900,
      reason: 'goodwill',
      idempotencyKey: unique('k'),
    };
    crashing = await startCrashingProcess({ stack, crashAt: point });
    expect(await crashing.send(REFUND, { input }, admin)).toBe('no answer');
    expect(await crashing.exited).toBe('SIGKILL');

    // No waiting for the claim to be abandoned: its owner is gone, so the retry takes it over now.
    const retried = await stack.app.graphql(REFUND, { input }, admin);
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.refundPayment).toMatchObject({
      status: 'COMPLETED',
      amountRefunded: { amount: 900 },
    });
    const again = await stack.app.graphql(REFUND, { input }, admin);
    expect(again.data).toEqual(retried.data);
    expect(await effectsOf(purchase)).toEqual(ONE_HALF_REFUND);
  });
});

describe('a refund retried after it failed between two steps', () => {
  it.each<FaultPoint>([
    'refund.beforeStripeCall',
    'refund.afterStripeCall',
    'refund.beforeCommit',
    'refund.afterCommit',
    'idempotency.beforeCompletion',
  ])('is made once when it failed at %s', async (point) => {
    const purchase = await creditPurchase();
    const input = {
      paymentId: purchase.payment.id,
      amount: 900,
      reason: 'goodwill',
      idempotencyKey: unique('k'),
    };
    failAt(point);
    const failed = await stack.app.graphql(REFUND, { input }, admin);
    expect(failed.errors?.[0]?.extensions.code).toBe('INTERNAL');
    await stack.settle();

    const retried = await stack.app.graphql(REFUND, { input }, admin);
    expect(retried.errors).toBeUndefined();
    expect(retried.data!.refundPayment).toMatchObject({ amountRefunded: { amount: 900 } });
    expect(await effectsOf(purchase)).toEqual(ONE_HALF_REFUND);
  });
});

describe('a refund retried while the first call is still at work', () => {
  it('is told at once that it is in progress, and then answered with the first result', async () => {
    const purchase = await creditPurchase();
    const input = {
      paymentId: purchase.payment.id,
      amount: 900,
      reason: 'goodwill',
      idempotencyKey: unique('k'),
    };
    const held = holdAt('refund.afterStripeCall');
    const first = stack.app.graphql(REFUND, { input }, admin);
    await held.reached;
    const meanwhile = await stack.app.graphql(REFUND, { input }, admin);
    expect(meanwhile.errors?.[0]?.extensions.code).toBe('CONFLICT');
    expect(meanwhile.errors?.[0]?.message).toMatch(/in progress/);
    held.release();
    const answered = await first;
    expect(answered.errors).toBeUndefined();
    expect((await stack.app.graphql(REFUND, { input }, admin)).data).toEqual(answered.data);
    expect(await effectsOf(purchase)).toEqual(ONE_HALF_REFUND);
  });
});
