import { Logger, run as runWorker, runMigrations } from 'graphile-worker';
import { systemActor } from '../../server/auth/actor';
import { consumeCredits } from '../../server/credits/consumption';
import { createTaskList } from '../../server/jobs/tasks';
import { createLogger } from '../../server/logger';
import { recordPartnerEvent } from '../../server/partnerWebhooks/events';
import { usePartnerWebhookWakeUp, wakeUpThroughJobQueue } from '../../server/partnerWebhooks/wakeUp';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { expireTrials, rollLocalPeriods } from '../../server/subscriptions/lifecycleJobs';
import {
  createAccount,
  createMember,
  createPartnerKey,
  createUser,
  grantTestCredits,
  sessionCookieFor,
  unique,
} from '../factories';
import { useBillingStack } from '../support/billingStack';
import { expectInSequence, usePartnerReceiver } from '../support/partnerReceiver';
import { deliverEvent, eventsAfter, newestEventId } from '../support/eventPermutations';
import { deliverOutbox, linkIn, tokenOf } from '../support/mailbox';
import { DAY_MS, JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

/**
 * The events partners hear of beyond Checkouts and Stripe's subscriptions, each walked as a customer, a
 * partner, Stripe or the clock would: sign-up and provisioning, trials without a card and their expiry,
 * free periods rolling, refunds (ours and Stripe's dashboard's), credits granted and running low, and
 * the delivery job woken as soon as a change commits. Every delivery is verified by a receiver with the
 * standardwebhooks package.
 */
const stack = useBillingStack();
const time = useFollowingClock();
const listener = usePartnerReceiver();
const { run, receivedBy } = listener;
let admin: { cookie: string };

beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

const planId = async (key: string) =>
  (await stack.knex('plans').where({ key, active: true }).first()).id as string;

describe('accounts', () => {
  it('a sign-up tells of the account, then of its free subscription', async () => {
    const address = `${unique('ada')}@example.com`;
    await stack.app.graphql('mutation($input: SignUpInput!) { signUp(input: $input) }', {
      input: { email: address, password: 'a long enough password', name: 'Ada', accountName: 'Engines' },
    });
    const [email] = (await deliverOutbox()).filter((sent) => sent.to === address);
    const confirmed = await stack.app.graphql(
      'mutation($token: String!) { confirmSignUp(token: $token) { account { id } } }',
      { token: tokenOf(linkIn(email, '/signup/confirm')) },
    );
    expect(confirmed.errors).toBeUndefined();
    const accountId = confirmed.data!.confirmSignUp.account.id;
    await run();

    const events = receivedBy(accountId);
    expectInSequence(events);
    expect(events.map((event) => event.type)).toEqual(['account.created', 'subscription.created']);
    expect(events[0]!.data).toEqual({
      id: accountId,
      externalId: null,
      name: 'Engines',
      billingEmail: address,
      currency: 'usd',
      createdAt: expect.any(String),
    });
    expect(events[1]!.data).toMatchObject({
      status: 'ACTIVE',
      plan: { key: 'free' },
      currentPeriodStart: JAN_15_2026.toISOString(),
      currentPeriodEnd: '2026-02-15T12:00:00.000Z',
      canceledAt: null,
    });
  });

  it('upsertAccount tells of a new account once, under the partner’s id', async () => {
    const partner = { apiKey: (await createPartnerKey({ scopes: ['accounts:write'] })).secret };
    const externalId = unique('org');
    const upsert = () =>
      stack.app.graphql(
        'mutation($input: UpsertAccountInput!) { upsertAccount(input: $input) { created account { id } } }',
        { input: { externalId, name: 'Acme', currency: 'EUR' } },
        partner,
      );
    const first = await upsert();
    expect(first.errors).toBeUndefined();
    expect((await upsert()).data!.upsertAccount.created).toBe(false);
    const accountId = first.data!.upsertAccount.account.id;
    await run();

    const events = receivedBy(accountId);
    expectInSequence(events);
    expect(events.map((event) => event.type)).toEqual(['account.created', 'subscription.created']);
    expect(
      listener.receiver.accepted.find((delivery) => delivery.event.accountId === accountId)!.body,
    ).toContain(`"accountExternalId":"${externalId}"`);
    expect(events[0]!.data).toMatchObject({ externalId, name: 'Acme', currency: 'eur' });
  });
});

describe('subscriptions Stripe does not hold', () => {
  it('a trial without a card starts trialing and, unpaid at its end, expires back to the free plan once', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      'mutation($input: StartTrialInput!) { startTrial(input: $input) { subscription { status } } }',
      { input: { accountId: account.id, planId: await planId('starter_monthly') } },
      { cookie },
    );
    expect(started.errors).toBeUndefined();
    const trialEnd = new Date(JAN_15_2026.getTime() + 7 * DAY_MS);
    time.clock.set(new Date(trialEnd.getTime() + 60_000));
    expect(await expireTrials()).toBe(1);
    expect(await expireTrials()).toBe(0);
    await run();

    const events = receivedBy(account.id);
    expectInSequence(events);
    expect(
      events.map((event) => [
        event.type,
        event.data.plan?.key ?? event.data.grant?.source,
        event.data.status,
      ]),
    ).toEqual([
      ['account.created', undefined, undefined],
      ['subscription.created', 'free', 'ACTIVE'],
      ['subscription.canceled', 'free', 'CANCELED'],
      ['subscription.created', 'starter_monthly', 'TRIALING'],
      ['subscription.trial_started', 'starter_monthly', 'TRIALING'],
      ['subscription.canceled', 'starter_monthly', 'EXPIRED'],
      ['subscription.created', 'free', 'ACTIVE'],
    ]);
    expect(events[3]!.data).toMatchObject({ trialEnd: trialEnd.toISOString(), endedAt: null });
    expect(events[5]!.data).toMatchObject({ endedAt: new Date(trialEnd.getTime() + 60_000).toISOString() });
  });

  it('a free plan’s period rolling is one subscription.updated, however often the job runs', async () => {
    const account = await createAccount();
    time.clock.set(new Date('2026-02-15T13:00:00Z'));
    expect(await rollLocalPeriods()).toBeGreaterThanOrEqual(1);
    await rollLocalPeriods();
    await run();
    const events = receivedBy(account.id);
    expectInSequence(events);
    expect(events.map((event) => event.type)).toEqual([
      'account.created',
      'subscription.created',
      'subscription.updated',
    ]);
    expect(events[2]!.data).toMatchObject({
      status: 'ACTIVE',
      currentPeriodStart: '2026-02-15T12:00:00.000Z',
      currentPeriodEnd: '2026-03-15T12:00:00.000Z',
    });
  });
});

describe('cancelling at the period end and taking it back', () => {
  const CANCEL = `mutation($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) { subscription { cancelAtPeriodEnd } } }`;
  const RESUME = `mutation($input: AccountActionInput!) { resumeSubscription(input: $input) { subscription { cancelAtPeriodEnd } } }`;

  /** The account's events written while `work` ran, as type and cancelAtPeriodEnd. */
  async function toldDuring(accountId: string, work: () => Promise<void>) {
    const [{ max }] = await stack.knex('partnerEvents').where({ accountId }).max('sequence');
    await work();
    const told = await stack
      .knex('partnerEvents')
      .where({ accountId })
      .where('sequence', '>', max ?? 0)
      .orderBy('sequence');
    return told.map((event) => [event.type, event.payload.cancelAtPeriodEnd]);
  }

  it('a trial without a card: one subscription.updated each way, with what it was', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    await stack.app.graphql(
      'mutation($input: StartTrialInput!) { startTrial(input: $input) { subscription { status } } }',
      { input: { accountId: account.id, planId: await planId('starter_monthly') } },
      { cookie },
    );
    const input = { accountId: account.id };
    const told = await toldDuring(account.id, async () => {
      expect((await stack.app.graphql(CANCEL, { input }, { cookie })).errors).toBeUndefined();
      expect((await stack.app.graphql(RESUME, { input }, { cookie })).errors).toBeUndefined();
    });
    expect(told).toEqual([
      ['subscription.updated', true],
      ['subscription.change_scheduled', true],
      ['subscription.updated', false],
      ['subscription.resumed', false],
    ]);
  });

  it('a subscription Stripe bills: one subscription.updated each way, with what it was, however often Stripe tells us', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    await stack.settle();
    const input = { accountId: subscribed.account.id };
    const mark = await newestEventId(stack.stripe);
    const told = await toldDuring(subscribed.account.id, async () => {
      const canceled = await stack.app.graphql(CANCEL, { input }, { cookie: subscribed.cookie });
      expect(canceled.errors).toBeUndefined();
      await stack.settle();
      const resumed = await stack.app.graphql(RESUME, { input }, { cookie: subscribed.cookie });
      expect(resumed.errors).toBeUndefined();
      await stack.settle();
      for (const event of await eventsAfter(stack.stripe, mark))
        expect(await deliverEvent(stack, event)).toBe(200);
    });
    expect(told).toEqual([
      ['subscription.updated', true],
      ['subscription.change_scheduled', true],
      ['subscription.updated', false],
      ['subscription.resumed', false],
    ]);
  });
});

describe('money and credits', () => {
  it('a lifetime plan bought through Checkout starts a subscription partners hear of', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      'mutation($input: StartSubscriptionCheckoutInput!) { startSubscriptionCheckout(input: $input) { url } }',
      { input: { accountId: account.id, planId: await planId('pro_lifetime') } },
      { cookie },
    );
    expect((await submitCheckoutForm(started.data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();
    await run();
    const events = receivedBy(account.id);
    expectInSequence(events);
    expect(
      events
        .filter((event) => event.type.startsWith('subscription.') || event.type === 'checkout.completed')
        .map((event) => [event.type, event.data.plan?.key, event.data.status]),
    ).toEqual([
      ['subscription.created', 'free', 'ACTIVE'],
      ['subscription.canceled', 'free', 'CANCELED'],
      ['subscription.created', 'pro_lifetime', 'ACTIVE'],
      ['checkout.completed', 'pro_lifetime', 'COMPLETED'],
    ]);
    expect(events.find((event) => event.data.plan?.key === 'pro_lifetime')!.data).toMatchObject({
      currentPeriodEnd: null,
    });
  });

  it('a credit purchase grants its credits; a refund here and one in Stripe’s dashboard are told once each', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const creditPackageId = (await stack.knex('credit_packages').where({ key: 'credits_1000' }).first()).id;
    const { data } = await stack.app.graphql(
      'mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url } }',
      { input: { accountId: account.id, creditPackageId } },
      { cookie },
    );
    const mark = await newestEventId(stack.stripe);
    expect((await submitCheckoutForm(data!.startCreditPackageCheckout.url)).status).toBe(303);
    await stack.settle();
    const payment = await stack
      .knex('payments')
      .where({ accountId: account.id, type: 'credit_top_up' })
      .first();

    const refunded = await stack.app.graphql(
      'mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { status } }',
      { input: { paymentId: payment.id, amount: 900, reason: 'goodwill' } },
      admin,
    );
    expect(refunded.errors).toBeUndefined();
    await stack.settle();
    await stack.stripe.refunds.create({ payment_intent: payment.stripePaymentIntentId, amount: 900 });
    await stack.settle();

    // Stripe delivering every event of the flow again tells nobody anything.
    const count = await stack.knex('partnerEvents').where({ accountId: account.id }).count();
    for (const event of await eventsAfter(stack.stripe, mark))
      expect(await deliverEvent(stack, event)).toBe(200);
    expect(await stack.knex('partnerEvents').where({ accountId: account.id }).count()).toEqual(count);
    await run();

    const events = receivedBy(account.id);
    expectInSequence(events);
    expect(events.map((event) => event.type)).toEqual([
      'account.created',
      'subscription.created',
      'payment.succeeded',
      'credits.granted',
      'checkout.completed',
      'payment.refunded',
      'payment.refunded',
    ]);
    expect(events[2]!.data).toMatchObject({
      id: payment.id,
      status: 'COMPLETED',
      amountRefunded: { amount: 0 },
    });
    expect(events[3]!.data).toEqual({
      grant: expect.objectContaining({
        source: 'PURCHASE',
        amountMilliCredits: 1_000_000,
        paymentId: payment.id,
        expiresAt: null,
      }),
      balanceMilliCredits: 1_000_000,
    });
    expect(events[5]!.data).toMatchObject({
      refund: { status: 'COMPLETED', amount: { amount: 900, currency: 'usd' } },
      payment: {
        id: payment.id,
        type: 'CREDIT_TOP_UP',
        status: 'COMPLETED',
        amount: { amount: 1800, currency: 'usd' },
        amountRefunded: { amount: 900, currency: 'usd' },
        milliCredits: 1_000_000,
      },
    });
    expect(events[6]!.data).toMatchObject({
      refund: { status: 'COMPLETED', amount: { amount: 900, currency: 'usd' } },
      payment: { id: payment.id, status: 'REFUNDED', amountRefunded: { amount: 1800, currency: 'usd' } },
    });
    expect(events[5]!.data.refund.id).not.toBe(events[6]!.data.refund.id);
  });

  it('consumptions below the threshold tell of a low balance once a day, with the customer’s notice', async () => {
    const account = await createAccount({ billingEmail: 'ap@customer.test' });
    await grantTestCredits({ accountId: account.id, amount: 150_000 });
    const partner = {
      apiKey: (await createPartnerKey({ scopes: ['credits:write'], accountId: account.id })).secret,
    };
    const spend = async (amount: number) => {
      const spent = await stack.app.graphql(
        'mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }',
        { input: { accountId: account.id, amountMilliCredits: amount, idempotencyKey: unique('spend') } },
        partner,
      );
      expect(spent.errors).toBeUndefined();
    };
    await spend(40_000);
    await spend(20_000);
    await spend(10_000);
    time.clock.advance(23 * 3_600_000);
    await spend(5_000);
    time.clock.advance(3_600_000);
    await spend(5_000);
    await run();

    const events = receivedBy(account.id);
    expectInSequence(events);
    expect(events.map((event) => event.type)).toEqual([
      'account.created',
      'subscription.created',
      'credits.granted',
      'credits.low_balance',
      'credits.low_balance',
    ]);
    expect(events[2]!.data).toMatchObject({
      grant: { source: 'PROMOTION', amountMilliCredits: 150_000 },
      balanceMilliCredits: 150_000,
    });
    expect(events.slice(3).map((event) => event.data)).toEqual([
      { balanceMilliCredits: 90_000, thresholdMilliCredits: 100_000 },
      { balanceMilliCredits: 70_000, thresholdMilliCredits: 100_000 },
    ]);
    expect(
      await stack.knex('notifications').where({ accountId: account.id, kind: 'credits.low_balance' }),
    ).toHaveLength(2);
  });
});

describe('locks', () => {
  it('a change that writes an event then grants credits, while a consumption runs low, takes turns rather than deadlocking', async () => {
    const account = await createAccount();
    await grantTestCredits({ accountId: account.id, amount: 150_000 });
    const spendingActor = systemActor('test');
    let consumption: Promise<unknown> | undefined;
    await stack.knex.transaction(async (trx) => {
      // Like a subscription starting: its event first, then its allowance.
      await recordPartnerEvent({ trx, accountId: account.id, type: 'invoice.paid', payload: { n: 1 } });
      consumption = consumeCredits({
        actor: spendingActor,
        accountId: account.id,
        idempotencyKey: unique('spend'),
        amount: 60_001,
      });
      // Until the consumption waits on a lock this transaction holds.
      while (
        (
          await stack.knex.raw(
            `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          )
        ).rows.length === 0
      );
      await grantTestCredits({ trx, accountId: account.id, amount: 10_000 });
    });
    await consumption;
    const told = await stack.knex('partnerEvents').where({ accountId: account.id }).orderBy('sequence');
    expect(told.map((event) => event.type)).toEqual([
      'account.created',
      'subscription.created',
      'credits.granted',
      'invoice.paid',
      'credits.granted',
      'credits.low_balance',
    ]);
    expect(told.at(-1)!.payload).toEqual({ balanceMilliCredits: 99_999, thresholdMilliCredits: 100_000 });
  });
});

describe('waking the delivery job', () => {
  it('delivers as soon as the change commits, through the job queue, without waiting for the schedule', async () => {
    await runMigrations({ connectionString: stack.connectionString });
    const tasks = createTaskList({
      logger: createLogger({ level: 'silent' }),
      mail: { transport: null, from: 'billing@example.com' },
    });
    // No schedule, and polling rarer than the test: only a wake-up runs the job.
    const worker = await runWorker({
      connectionString: stack.connectionString,
      concurrency: 1,
      noHandleSignals: true,
      pollInterval: 600_000,
      crontab: '',
      logger: new Logger(() => () => undefined),
      taskList: { deliver_partner_webhooks: tasks.deliver_partner_webhooks! },
    });
    const restore = usePartnerWebhookWakeUp(
      wakeUpThroughJobQueue(stack.knex, (error) => {
        throw error;
      }),
    );
    try {
      const account = await createAccount();
      const heard = await listener.receiver.waitFor(
        (delivery) =>
          delivery.event.accountId === account.id && delivery.event.type === 'subscription.created',
      );
      expect(heard.event.sequence).toBe(2);
      expect(receivedBy(account.id).map((event) => event.type)).toEqual([
        'account.created',
        'subscription.created',
      ]);
    } finally {
      restore();
      await worker.stop();
    }
  });
});
