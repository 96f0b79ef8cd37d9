import { ManualClock, useClock } from '../../server/clock';
import { runAutoTopUps, triggerAutoTopUp } from '../../server/credits/autoTopUp';
import { failAt, type FaultPoint } from '../../server/faultPoints';
import { createMember, createPartnerKey, grantTestCredits, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { startCrashingProcess, type CrashingProcess } from '../support/crashingProcess';

const stack = useBillingStack();

const CONSUME = `mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }`;
const UPDATE = `mutation($input: UpdateAutoTopUpInput!) { updateAutoTopUp(input: $input) { enabled } }`;

let crashing: CrashingProcess | undefined;
afterEach(() => crashing?.stop());

/** An account with a card on file, some credits, and automatic top-up of 500 credits below 100. */
async function accountWithAutoTopUp({ credits }: { credits: number }) {
  const { account, cookie } = await createMember({ role: 'owner' });
  const customer = await stack.stripe.customers.create({
    name: account.name,
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  await stack.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  const creditPackageId = (await stack.knex('credit_packages').where({ key: 'auto_top_up_500' }).first()).id;
  const updated = await stack.app.graphql(
    UPDATE,
    { input: { accountId: account.id, enabled: true, thresholdMilliCredits: 100_000, creditPackageId } },
    { cookie },
  );
  expect(updated.errors).toBeUndefined();
  await grantTestCredits({ accountId: account.id, amount: credits });
  return { account, customer };
}

/** The job's later runs: webhooks delivered, and a top-up left pending for more than ten minutes finished. */
async function recover() {
  await stack.settle();
  const restore = useClock(new ManualClock(new Date(Date.now() + 11 * 60 * 1000)));
  try {
    await runAutoTopUps();
  } finally {
    restore();
  }
  await stack.settle();
}

async function effectsOf(accountId: string, customerId: string) {
  const intents = await stack.stripe.paymentIntents.list({ customer: customerId });
  return {
    stripeCharges: intents.data.map((intent) => [intent.amount, intent.status]),
    payments: (await stack.knex('payments').where({ accountId })).map((payment) => [
      payment.amount,
      payment.status,
    ]),
    purchases: (await stack.knex('credit_grants').where({ accountId, source: 'purchase' })).map(
      (grant) => grant.amount,
    ),
    balance: (await stack.knex('credit_balances').where({ accountId }).first()).balance,
    inFlight: (await stack.knex('auto_top_up_settings').where({ accountId }).first()).inFlightPaymentId,
  };
}

const ONE_TOP_UP = {
  stripeCharges: [[2000, 'succeeded']],
  payments: [[2000, 'completed']],
  purchases: [500_000],
  balance: 50_000 + 500_000,
  inFlight: null,
};

const POINTS: FaultPoint[] = [
  'autoTopUp.beforeStripeCall',
  'autoTopUp.afterStripeCall',
  'autoTopUp.beforeCommit',
  'autoTopUp.afterCommit',
];

describe('an automatic top-up interrupted between two steps', () => {
  it.each(POINTS)(
    'charges and grants once when the process serving the consumption died at %s',
    async (point) => {
      const { account, customer } = await accountWithAutoTopUp({ credits: 150_000 });
      const partner = (await createPartnerKey({ scopes: ['credits:write'], accountId: account.id })).secret;
      crashing = await startCrashingProcess({ stack, crashAt: point });
      // The consumption is answered; the top-up it starts dies with the process.
      const consumed = await crashing.send(
        CONSUME,
        { input: { accountId: account.id, amountMilliCredits: 100_000, idempotencyKey: unique('run') } },
        { apiKey: partner },
      );
      expect(consumed).toMatchObject({ data: { consumeCredits: { balanceAfterMilliCredits: 50_000 } } });
      expect(await crashing.exited).toBe('SIGKILL');

      await recover();
      expect(await effectsOf(account.id, customer.id)).toEqual(ONE_TOP_UP);
    },
  );

  it.each(POINTS)('charges and grants once when the top-up failed at %s', async (point) => {
    const { account, customer } = await accountWithAutoTopUp({ credits: 50_000 });
    failAt(point);
    await expect(triggerAutoTopUp({ accountId: account.id })).rejects.toThrow(`Injected fault at ${point}`);

    await recover();
    expect(await effectsOf(account.id, customer.id)).toEqual(ONE_TOP_UP);
  });
});
