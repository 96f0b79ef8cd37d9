import { Account } from '../../server/accounts/Account';
import { holdAt } from '../../server/faultPoints';
import { ensureStripeCustomer } from '../../server/stripe/customers';
import { expireTrials } from '../../server/subscriptions/lifecycleJobs';
import { ManualClock, useClock } from '../../server/clock';
import { useSettings } from '../../server/settings';
import { createMember, createPartnerKey, createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';

/**
 * Test clocks for accounts, from the partner's and the admin's side: an account is put on a clock,
 * subscribed, and moved through renewals, a failed renewal, its retries and the grace period; its usage
 * and credits follow its clock; the scheduled jobs leave it to its clock; and bad requests change nothing.
 */
const stack = useBillingStack();

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const ATTACH = `mutation($input: AttachTestClockInput!) {
  attachTestClock(input: $input) { account { id testClock { stripeTestClockId frozenTime } } }
}`;
const ADVANCE = `mutation($input: AdvanceTestClockInput!) {
  advanceTestClock(input: $input) { account { testClock { frozenTime } } }
}`;
const STATE = `query($id: ID) { account(id: $id) {
  testClock { frozenTime }
  subscription { status currentPeriodStart currentPeriodEnd gracePeriodEndsAt trialEnd plan { key } }
  invoices(first: 100) { edges { node { status total { amount } periodStart } } }
} }`;

async function partnerKey() {
  return {
    apiKey: (
      await createPartnerKey({
        scopes: ['testing', 'accounts:read', 'billing:read', 'billing:write', 'usage:write', 'usage:read'],
      })
    ).secret,
  };
}

async function adminCaller() {
  return { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
}

async function state(accountId: string, caller: { cookie?: string; apiKey?: string }) {
  const { data, errors } = await stack.app.graphql(STATE, { id: accountId }, caller);
  expect(errors).toBeUndefined();
  return data!.account;
}

async function attach(accountId: string, caller: { cookie?: string; apiKey?: string }) {
  const { data, errors } = await stack.app.graphql(ATTACH, { input: { accountId } }, caller);
  expect(errors).toBeUndefined();
  return data!.attachTestClock.account;
}

/** An admin's attach is a CONFLICT, and the account stays in real time with `unchanged`. */
async function attachRefusedAsConflict(accountId: string, unchanged: Record<string, unknown>) {
  const { errors } = await stack.app.graphql(ATTACH, { input: { accountId } }, await adminCaller());
  expect(errors?.[0]?.extensions?.code).toBe('CONFLICT');
  expect(await stack.knex('accounts').where({ id: accountId }).first()).toMatchObject({
    stripeTestClockId: null,
    testClockTime: null,
    ...unchanged,
  });
}

async function advance(accountId: string, to: Date, caller: { cookie?: string; apiKey?: string }) {
  const { data, errors } = await stack.app.graphql(
    ADVANCE,
    { input: { accountId, to: to.toISOString() } },
    caller,
  );
  expect(errors).toBeUndefined();
  await stack.settle();
  return new Date(data!.advanceTestClock.account.testClock.frozenTime);
}

/** Subscribes the clocked account's Stripe customer (which attach created on the clock) with a card. */
async function subscribeInStripe(accountId: string, planKey: string, paymentMethod = 'pm_card_visa') {
  const account = await stack.knex('accounts').where({ id: accountId }).first();
  const card = await stack.stripe.paymentMethods.attach(paymentMethod, {
    customer: account.stripeCustomerId,
  });
  await stack.stripe.customers.update(account.stripeCustomerId, {
    invoice_settings: { default_payment_method: card.id },
  });
  const price = (await stack.knex('plans').where({ key: planKey, active: true }).first()).stripePriceId;
  const subscription = await stack.stripe.subscriptions.create({
    customer: account.stripeCustomerId,
    items: [{ price }],
    metadata: { account_id: accountId },
  });
  await stack.settle();
  return { customerId: account.stripeCustomerId as string, subscription };
}

describe('an account on a test clock', () => {
  it('is put on a clock whose Stripe customer lives on it, and starts at the present', async () => {
    const { account } = await createMember();
    const before = Date.now();
    const attached = await attach(account.id, await partnerKey());
    expect(attached.testClock.stripeTestClockId).toMatch(/^clock_/);
    expect(new Date(attached.testClock.frozenTime).getTime()).toBeGreaterThan(before - 2000);

    const stored = await stack.knex('accounts').where({ id: account.id }).first();
    const customer = await stack.stripe.customers.retrieve(stored.stripeCustomerId);
    expect(customer).toMatchObject({ test_clock: attached.testClock.stripeTestClockId });

    // A second attach changes nothing.
    const again = await attach(account.id, await adminCaller());
    expect(again.testClock).toEqual(attached.testClock);
  });

  it('renews, fails to renew, retries and ends after its grace period as its clock moves', async () => {
    const { account } = await createMember();
    const partner = await partnerKey();
    const attached = await attach(account.id, partner);
    const start = new Date(attached.testClock.frozenTime);
    const { customerId } = await subscribeInStripe(account.id, 'starter_monthly');
    const subscribed = await state(account.id, partner);
    expect(subscribed.subscription).toMatchObject({ status: 'ACTIVE', plan: { key: 'starter_monthly' } });
    const firstPeriodEnd = new Date(subscribed.subscription.currentPeriodEnd);

    // A month and a day later: renewed once and paid.
    const reached = await advance(account.id, new Date(firstPeriodEnd.getTime() + DAY_MS), partner);
    expect(reached).toEqual(new Date(Math.floor((firstPeriodEnd.getTime() + DAY_MS) / 1000) * 1000));
    const renewed = await state(account.id, partner);
    expect(renewed.subscription.status).toBe('ACTIVE');
    expect(new Date(renewed.subscription.currentPeriodStart)).toEqual(firstPeriodEnd);
    const paid = renewed.invoices.edges.map((edge: { node: { status: string } }) => edge.node.status);
    expect(paid).toEqual(['PAID', 'PAID']);

    // The card starts declining: the next renewal fails and the subscription is past due, with a grace
    // period counted from the clock's date, not the wall clock's.
    const declining = await stack.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
      customer: customerId,
    });
    await stack.stripe.customers.update(customerId, {
      invoice_settings: { default_payment_method: declining.id },
    });
    const secondPeriodEnd = new Date(renewed.subscription.currentPeriodEnd);
    await advance(account.id, new Date(secondPeriodEnd.getTime() + DAY_MS), partner);
    const pastDue = await state(account.id, partner);
    expect(pastDue.subscription.status).toBe('PAST_DUE');
    // Stripe charges the renewal an hour after the period ends; the advance stopped there, so the seven
    // days of grace count from the failed charge.
    const graceEnd = new Date(pastDue.subscription.gracePeriodEndsAt);
    expect(graceEnd).toEqual(new Date(secondPeriodEnd.getTime() + HOUR_MS + 7 * DAY_MS));

    // Past the grace period the account is back on the default plan.
    await advance(account.id, new Date(graceEnd.getTime() + DAY_MS), partner);
    const ended = await state(account.id, partner);
    expect(ended.subscription.plan.key).toBe('free');
    expect(new Date(ended.testClock.frozenTime).getTime()).toBeGreaterThan(start.getTime() + 60 * DAY_MS);
  });

  it('goes through a year of monthly renewals in one advance, each paid at its own date', async () => {
    const { account } = await createMember();
    const partner = await partnerKey();
    const attached = await attach(account.id, partner);
    await subscribeInStripe(account.id, 'starter_monthly');
    // Two hours past a year: Stripe charges the twelfth renewal an hour after its period ends.
    const yearLater = new Date(
      new Date(attached.testClock.frozenTime).getTime() + 365 * DAY_MS + 2 * HOUR_MS,
    );
    await advance(account.id, yearLater, partner);

    const after = await state(account.id, partner);
    const invoices = after.invoices.edges.map(
      (edge: { node: { status: string; periodStart: string } }) => edge.node,
    );
    expect(invoices).toHaveLength(13);
    expect(invoices.every((invoice: { status: string }) => invoice.status === 'PAID')).toBe(true);
    // Each payment is dated at its renewal, not at the moment the advance ran.
    const paid = await stack.knex('payments').where({ accountId: account.id }).orderBy('createdAt');
    expect(paid).toHaveLength(13);
    expect(paid[12].createdAt.getTime() - paid[0].createdAt.getTime()).toBeGreaterThan(330 * DAY_MS);
  }, 180_000);

  it('records usage at its own date, which the wall clock would call the future', async () => {
    const { account } = await createMember();
    const partner = await partnerKey();
    const attached = await attach(account.id, partner);
    const later = new Date(new Date(attached.testClock.frozenTime).getTime() + 20 * DAY_MS);
    await advance(account.id, later, partner);

    const RECORD = `mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted rejected errors { index code message } } }`;
    const meterKey = (await stack.knex('meters').where({ active: true }).first()).key;
    const sent = await stack.app.graphql(
      RECORD,
      {
        input: {
          events: [
            {
              accountId: account.id,
              meterKey,
              quantity: 1,
              occurredAt: later.toISOString(),
              idempotencyKey: 'at-clock',
            },
            {
              accountId: account.id,
              meterKey,
              quantity: 1,
              occurredAt: new Date().toISOString(),
              idempotencyKey: 'at-wall',
            },
          ],
        },
      },
      partner,
    );
    expect(sent.errors).toBeUndefined();
    // The clock's date is accepted; the wall clock's is twenty days before the account's now, which is
    // still within the window, so both count.
    expect(sent.data!.recordUsage).toMatchObject({ accepted: 2, rejected: 0, errors: [] });

    const ahead = await stack.app.graphql(
      RECORD,
      {
        input: {
          events: [
            {
              accountId: account.id,
              meterKey,
              quantity: 1,
              occurredAt: new Date(later.getTime() + DAY_MS).toISOString(),
              idempotencyKey: 'past-clock',
            },
          ],
        },
      },
      partner,
    );
    expect(ahead.data!.recordUsage.errors).toEqual([
      expect.objectContaining({
        index: 0,
        code: 'BAD_USER_INPUT',
        message: expect.stringContaining('future'),
      }),
    ]);
  });

  it('is left alone by the scheduled jobs, whose wall clock has passed its trial end', async () => {
    const { account, cookie } = await createMember();
    await attach(account.id, await adminCaller());
    const starter = (await stack.knex('plans').where({ key: 'starter_monthly', active: true }).first()).id;
    const trial = await stack.app.graphql(
      `mutation($input: StartTrialInput!) { startTrial(input: $input) { subscription { status trialEnd } } }`,
      { input: { accountId: account.id, planId: starter } },
      { cookie },
    );
    expect(trial.errors).toBeUndefined();
    const trialEnd = new Date(trial.data!.startTrial.subscription.trialEnd);

    // The scheduler's run, a day after the trial would end by the wall clock: the account is not its.
    const restore = useClock(new ManualClock(new Date(trialEnd.getTime() + DAY_MS)));
    try {
      await expireTrials();
    } finally {
      restore();
    }
    const admin = await adminCaller();
    expect((await state(account.id, admin)).subscription).toMatchObject({ status: 'TRIALING' });

    // Its own clock ends the trial.
    await advance(account.id, new Date(trialEnd.getTime() + 60_000), admin);
    expect((await state(account.id, admin)).subscription).toMatchObject({
      status: 'ACTIVE',
      plan: { key: 'free' },
    });
  });
});

/**
 * An admin puts an account on a clock at the moment its owner opens a checkout: each creates a Stripe
 * customer, one on the clock and one in real time. The first stored is the account's, and the account is
 * never left on a clock with its customer in real time.
 */
describe('a checkout at the same moment', () => {
  const START_CHECKOUT = `mutation($input: StartSubscriptionCheckoutInput!) {
    startSubscriptionCheckout(input: $input) { url } }`;

  async function customerOf(accountId: string) {
    const stored = await stack.knex('accounts').where({ id: accountId }).first();
    const customer = await stack.stripe.customers.retrieve(stored.stripeCustomerId);
    return { stored, testClock: 'test_clock' in customer ? customer.test_clock : undefined };
  }

  const checkout = (accountId: string, cookie: string) =>
    stack.app.graphql(START_CHECKOUT, { input: { accountId, planKey: 'pro_monthly' } }, { cookie });

  it('that stores its customer while the clock is being made keeps the account in real time', async () => {
    const { account, cookie } = await createMember();
    const held = holdAt('testClock.afterStripeCall');
    const attaching = stack.app.graphql(ATTACH, { input: { accountId: account.id } }, await adminCaller());
    await held.reached;
    expect((await checkout(account.id, cookie)).errors).toBeUndefined();
    held.release();

    expect((await attaching).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const { stored, testClock } = await customerOf(account.id);
    expect(stored).toMatchObject({ stripeTestClockId: null, testClockTime: null });
    expect(testClock).toBeNull();
    expect(
      await stack.knex('audit_log').where({ accountId: account.id, action: 'account.test_clock_attached' }),
    ).toEqual([]);
  });

  it('that read the account before the clock goes on with the clock’s customer', async () => {
    const { account, cookie } = await createMember();
    // The checkout read the account before it was put on the clock, and asks for its customer after.
    const readBefore = await Account.query().findById(account.id).throwIfNotFound();
    const attached = await attach(account.id, await adminCaller());
    const clocked = (await stack.knex('accounts').where({ id: account.id }).first()).stripeCustomerId;
    expect(await ensureStripeCustomer({ account: readBefore })).toBe(clocked);

    expect((await checkout(account.id, cookie)).errors).toBeUndefined();
    const { stored, testClock } = await customerOf(account.id);
    expect(stored.stripeCustomerId).toBe(clocked);
    expect(testClock).toBe(attached.testClock.stripeTestClockId);
  });
});

describe('refusals, which change nothing', () => {
  it('refuses an account that already has a Stripe customer', async () => {
    const { account } = await createMember();
    await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: 'cus_existing' });
    await attachRefusedAsConflict(account.id, { stripeCustomerId: 'cus_existing' });
  });

  it('refuses a clock going backwards, too far, or for an account not on one', async () => {
    const admin = await adminCaller();
    const { account } = await createMember();
    const { errors: notOnClock } = await stack.app.graphql(
      ADVANCE,
      { input: { accountId: account.id, to: new Date(Date.now() + DAY_MS).toISOString() } },
      admin,
    );
    expect(notOnClock?.[0]?.extensions?.code).toBe('CONFLICT');

    const attached = await attach(account.id, admin);
    const frozen = new Date(attached.testClock.frozenTime);
    for (const to of [
      new Date(frozen.getTime() - DAY_MS),
      frozen,
      new Date(frozen.getTime() + 800 * DAY_MS),
    ]) {
      const { errors } = await stack.app.graphql(
        ADVANCE,
        { input: { accountId: account.id, to: to.toISOString() } },
        admin,
      );
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    expect((await state(account.id, admin)).testClock.frozenTime).toBe(attached.testClock.frozenTime);
  });

  it('does not exist with a live Stripe key', async () => {
    const { account } = await createMember();
    const restore = useSettings({ testClocks: false });
    try {
      const { data } = await stack.app.graphql('{ testClocksAvailable }', {}, {});
      expect(data!.testClocksAvailable).toBe(false);
      const { errors } = await stack.app.graphql(
        ATTACH,
        { input: { accountId: account.id } },
        await adminCaller(),
      );
      expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      restore();
    }
    expect(await stack.knex('accounts').where({ id: account.id }).first()).toMatchObject({
      stripeTestClockId: null,
    });
  });

  it('refuses the account’s own owner', async () => {
    const { account, cookie } = await createMember();
    const { errors } = await stack.app.graphql(ATTACH, { input: { accountId: account.id } }, { cookie });
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
