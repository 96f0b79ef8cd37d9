import { holdAt } from '../../server/faultPoints';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, createPartnerKey, createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';

const stack = useBillingStack();

const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { status amount { amount } amountRefunded { amount } } }`;

async function boughtCredits(packageKey: string) {
  const { account, cookie } = await createMember({ role: 'owner' });
  const creditPackageId = (await stack.knex('credit_packages').where({ key: packageKey }).first()).id;
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
  return { account, cookie, payment };
}

const balanceOf = async (accountId: string) =>
  (await stack.knex('credit_balances').where({ accountId }).first()).balance as number;

let admin: { cookie: string };
beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

describe('refunding a credit purchase', () => {
  it('refunds through Stripe and claws back the unspent credits, never more than are left', async () => {
    const { account, payment } = await boughtCredits('credits_1000');
    expect(await balanceOf(account.id)).toBe(1_000_000);
    const partner = (await createPartnerKey({ scopes: ['credits:write'], accountId: account.id })).secret;
    const spent = await stack.app.graphql(
      'mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }',
      { input: { accountId: account.id, amountMilliCredits: 700_000, idempotencyKey: 'spend' } },
      { apiKey: partner },
    );
    expect(spent.errors).toBeUndefined();

    // Half the money back: half the credits (500) are owed, but only 300 are left unspent.
    const half = await stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, amount: 900, reason: 'goodwill' } },
      admin,
    );
    expect(half.data!.refundPayment).toEqual({
      status: 'COMPLETED',
      amount: { amount: 1800 },
      amountRefunded: { amount: 900 },
    });
    expect(await balanceOf(account.id)).toBe(0);
    await stack.settle();
    expect(await balanceOf(account.id)).toBe(0);

    const rest = await stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, reason: 'closing the account' } },
      admin,
    );
    expect(rest.data!.refundPayment).toMatchObject({ status: 'REFUNDED', amountRefunded: { amount: 1800 } });
    await stack.settle();
    const refunds = await stack
      .knex('payments')
      .where({ accountId: account.id, type: 'refund' })
      .orderBy('createdAt');
    expect(refunds.map((refund) => refund.amount)).toEqual([900, 900]);
    const clawbacks = await stack
      .knex('credit_ledger_entries')
      .where({ accountId: account.id, entryType: 'refund_clawback' });
    expect(clawbacks.map((entry) => entry.amount)).toEqual([-300_000]);
    const again = await stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, reason: 'twice' } },
      admin,
    );
    expect(again.errors?.[0]?.extensions.code).toBe('CONFLICT');
  });

  it('claws back in proportion while the credits are unspent, and records a dashboard refund from its webhook', async () => {
    const { account, payment } = await boughtCredits('credits_5000');
    await stack.stripe.refunds.create({ payment_intent: payment.stripePaymentIntentId, amount: 2000 });
    await stack.settle();
    // $20 of $80 back: a quarter of 5,000 credits.
    expect(await balanceOf(account.id)).toBe(3_750_000);
    expect(await stack.knex('payments').where({ id: payment.id }).first()).toMatchObject({
      amountRefunded: 2000,
      status: 'completed',
    });
  });

  it('is for platform admins, with a reason, within what is left', async () => {
    const { payment, cookie } = await boughtCredits('credits_500');
    expect(
      (await stack.app.graphql(REFUND, { input: { paymentId: payment.id, reason: 'x' } }, { cookie }))
        .errors?.[0]?.extensions.code,
    ).toBe('FORBIDDEN');
    const noReason = await stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, reason: ' ' } },
      admin,
    );
    expect(noReason.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { reason: 'is required' },
    });
    const tooMuch = await stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, amount: 5000, reason: 'x' } },
      admin,
    );
    expect(tooMuch.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { amount: 'is more than the 1000 left to refund' },
    });
    expect(await stack.knex('payments').where({ refundedPaymentId: payment.id })).toEqual([]);
  });
});

describe('the audit entry of an admin refund', () => {
  it("keeps the admin's reason when the webhook records the refund before refundPayment does", async () => {
    const { account, payment } = await boughtCredits('credits_1000');
    const held = holdAt('refund.afterStripeCall');
    const refunding = stack.app.graphql(
      REFUND,
      { input: { paymentId: payment.id, amount: 600, reason: 'charged twice by mistake' } },
      admin,
    );
    await held.reached;
    // Stripe's charge.refunded and refund.created arrive while the admin's call waits after Stripe.
    await stack.settle();
    expect(await stack.knex('payments').where({ refundedPaymentId: payment.id })).toHaveLength(1);
    held.release();
    expect((await refunding).errors).toBeUndefined();

    const audit = await stack.knex('audit_log').where({ accountId: account.id, action: 'payment.refunded' });
    expect(audit.map((entry) => entry.reason)).toEqual(['charged twice by mistake']);
  });
});
