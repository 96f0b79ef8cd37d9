import { submitCheckoutForm, TEST_CARDS } from '../../server/stripe-emulator/testing';
import { STRIPE_EVENT_HANDLERS } from '../../server/webhooks/handlers';
import { addMember, createMember, createUser, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';

const stack = useBillingStack();

const START = `mutation($input: StartSubscriptionCheckoutInput!) {
  startSubscriptionCheckout(input: $input) { url checkoutSession { id status purpose quantity plan { key } } }
}`;
const BILLING = `query($id: ID!, $checkout: ID!) { account(id: $id) {
  subscription { status quantity trialEnd currentPeriodEnd plan { key } }
  checkoutSession(id: $checkout) { status }
  invoices { edges { node { status total { amount } amountPaid { amount } hostedInvoiceUrl lines { kind amount { amount } } } } }
} }`;

async function planId(key: string): Promise<string> {
  return (await stack.knex('plans').where({ key, active: true }).first()).id;
}

describe('subscribing through Checkout', () => {
  it('subscribes the account only when Stripe’s webhooks confirm it, with the trial offered once', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: await planId('pro_monthly') } },
      { cookie },
    );
    expect(started.errors).toBeUndefined();
    const { url, checkoutSession } = started.data!.startSubscriptionCheckout;
    expect(checkoutSession).toMatchObject({
      status: 'OPEN',
      purpose: 'SUBSCRIPTION',
      quantity: 1,
      plan: { key: 'pro_monthly' },
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

    const beforePaying = await stack.app.graphql(
      BILLING,
      { id: account.id, checkout: checkoutSession.id },
      { cookie },
    );
    expect(beforePaying.data!.account.subscription.plan.key).toBe('free');

    const paid = await submitCheckoutForm(url, { card: TEST_CARDS.succeeds });
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(`${stack.app.url}/billing/checkout/success?checkout=${checkoutSession.id}`);
    await stack.settle();

    const after = await stack.app.graphql(
      BILLING,
      { id: account.id, checkout: checkoutSession.id },
      { cookie },
    );
    const { subscription, checkoutSession: checkout, invoices } = after.data!.account;
    expect(subscription).toMatchObject({ status: 'TRIALING', plan: { key: 'pro_monthly' }, quantity: 1 });
    const trialDays = (Date.parse(subscription.trialEnd) - Date.now()) / 86_400_000;
    expect(trialDays).toBeGreaterThan(13.9);
    expect(trialDays).toBeLessThanOrEqual(14);
    expect(checkout.status).toBe('COMPLETED');
    expect(invoices.edges.map((edge: any) => edge.node)).toEqual([
      expect.objectContaining({ status: 'PAID', total: { amount: 0 } }),
    ]);
    expect(
      await stack
        .knex('subscriptions')
        .where({ accountId: account.id })
        .orderBy('createdAt')
        .select('status'),
    ).toEqual([{ status: 'canceled' }, { status: 'trialing' }]);
  });

  it('charges at once when the account already had its trial, recording the invoice and the payment', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    await stack.knex('subscriptions').insert({
      accountId: account.id,
      planId: await planId('pro_monthly'),
      status: 'expired',
      endedAt: new Date(),
      currentPeriodStart: new Date(Date.now() - 86_400_000),
      trialStart: new Date(Date.now() - 86_400_000),
      trialEnd: new Date(),
    });
    const started = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: await planId('pro_monthly') } },
      { cookie },
    );
    const { url, checkoutSession } = started.data!.startSubscriptionCheckout;
    expect((await submitCheckoutForm(url)).status).toBe(303);
    await stack.settle();

    const { data } = await stack.app.graphql(
      BILLING,
      { id: account.id, checkout: checkoutSession.id },
      { cookie },
    );
    expect(data!.account.subscription).toMatchObject({
      status: 'ACTIVE',
      trialEnd: null,
      plan: { key: 'pro_monthly' },
    });
    expect(data!.account.invoices.edges[0].node).toMatchObject({
      status: 'PAID',
      total: { amount: 2999 },
      amountPaid: { amount: 2999 },
      hostedInvoiceUrl: expect.any(String),
      lines: [{ kind: 'SUBSCRIPTION', amount: { amount: 2999 } }],
    });
    const payments = await stack.knex('payments').where({ accountId: account.id });
    expect(payments).toEqual([
      expect.objectContaining({
        type: 'subscription_payment',
        status: 'completed',
        amount: 2999,
        currency: 'usd',
      }),
    ]);
    // The card the renewals will charge, as the billing page names it: brand, last four and expiry.
    const card = await stack.app.graphql(
      'query($id: ID) { account(id: $id) { cardOnFile { brand last4 expMonth expYear } } }',
      { id: account.id },
      { cookie },
    );
    expect(card.data!.account.cardOnFile).toEqual({
      brand: 'visa',
      last4: '4242',
      expMonth: expect.any(Number),
      expYear: expect.any(Number),
    });
    expect(card.data!.account.cardOnFile.expYear).toBeGreaterThanOrEqual(new Date().getUTCFullYear());
  });

  it('names no card on file before the account has saved one', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const card = await stack.app.graphql(
      'query($id: ID) { account(id: $id) { cardOnFile { last4 } } }',
      { id: account.id },
      { cookie },
    );
    expect(card.errors).toBeUndefined();
    expect(card.data!.account.cardOnFile).toBeNull();
  });

  it('leaves everything as it was when the card is declined', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: await planId('pro_monthly') } },
      { cookie },
    );
    const { url, checkoutSession } = started.data!.startSubscriptionCheckout;
    const declined = await submitCheckoutForm(url, { card: TEST_CARDS.declined });
    expect(declined.status).toBe(402);
    expect(declined.html).toMatch(/declined/i);
    await stack.settle();
    const { data } = await stack.app.graphql(
      BILLING,
      { id: account.id, checkout: checkoutSession.id },
      { cookie },
    );
    expect(data!.account).toMatchObject({
      subscription: { plan: { key: 'free' }, status: 'ACTIVE' },
      checkoutSession: { status: 'OPEN' },
      invoices: { edges: [] },
    });
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([]);
  });

  it('sells a per-seat plan by the seat, never fewer seats than members', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    await addMember({ accountId: account.id, user: await createUser(), role: 'member' });
    await addMember({ accountId: account.id, user: await createUser(), role: 'member' });
    const team = await planId('team_monthly');
    const tooFew = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: team, seats: 2 } },
      { cookie },
    );
    expect(tooFew.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { seats: 'must be at least 3, the seats in use' },
    });
    const defaulted = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: team } },
      { cookie },
    );
    expect(defaulted.data!.startSubscriptionCheckout.checkoutSession.quantity).toBe(3);
    const five = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: team, seats: 5 } },
      { cookie },
    );
    expect((await submitCheckoutForm(five.data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();
    const { data } = await stack.app.graphql(
      BILLING,
      { id: account.id, checkout: five.data!.startSubscriptionCheckout.checkoutSession.id },
      { cookie },
    );
    expect(data!.account.subscription).toMatchObject({ plan: { key: 'team_monthly' }, quantity: 5 });
  });

  it('refuses what cannot be bought through Checkout, changing nothing', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ planId: await planId('enterprise') }, 'BAD_USER_INPUT', 'sales team'],
      [{ planId: await planId('free') }, 'BAD_USER_INPUT', 'cannot be bought'],
      [{ planId: await planId('pro_monthly'), seats: 3 }, 'BAD_USER_INPUT', 'not priced per seat'],
      [{ planId: 'not-a-uuid' }, 'BAD_USER_INPUT', 'is not a plan id'],
    ];
    for (const [input, code, message] of cases) {
      const { errors } = await stack.app.graphql(
        START,
        { input: { accountId: account.id, ...input } },
        { cookie },
      );
      expect(errors?.[0]).toMatchObject({ extensions: { code }, message: expect.stringContaining(message) });
    }
    const { cookie: memberCookie } = await createMember({ role: 'member' });
    const member = await stack.app.graphql(
      START,
      { input: { accountId: account.id, planId: await planId('pro_monthly') } },
      { cookie: memberCookie },
    );
    expect(member.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect(await stack.knex('checkout_sessions').where({ accountId: account.id })).toEqual([]);
  });

  it('returns the first result when retried with the same idempotency key', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const input = {
      accountId: account.id,
      planId: await planId('max_monthly'),
      idempotencyKey: unique('retry'),
    };
    const [first, second] = [
      await stack.app.graphql(START, { input }, { cookie }),
      await stack.app.graphql(START, { input }, { cookie }),
    ];
    expect(second.data!.startSubscriptionCheckout).toEqual(first.data!.startSubscriptionCheckout);
    expect(await stack.knex('checkout_sessions').where({ accountId: account.id })).toHaveLength(1);
    const different = await stack.app.graphql(
      START,
      { input: { ...input, planId: await planId('pro_monthly') } },
      { cookie },
    );
    expect(different.errors?.[0]?.extensions.code).toBe('CONFLICT');
  });

  it('limits each user to five checkouts a minute', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const input = { accountId: account.id, planId: await planId('starter_monthly') };
    const results = await Promise.all(
      Array.from({ length: 7 }, () => stack.app.graphql(START, { input }, { cookie })),
    );
    const limited = results.filter((result) => result.errors?.[0]?.extensions.code === 'RATE_LIMITED');
    expect(results.filter((result) => !result.errors)).toHaveLength(5);
    expect(limited).toHaveLength(2);
    expect(limited[0]!.errors![0]!.extensions.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe('the webhook log of these flows', () => {
  it('holds every delivered event once, none of them failed', async () => {
    await stack.settle();
    const events: Array<{ type: string; status: string }> = await stack
      .knex('stripe_events')
      .select('type', 'status');
    expect(events.filter((event) => event.status === 'failed')).toEqual([]);
    const handled = events.filter((event) => event.type in STRIPE_EVENT_HANDLERS);
    expect(handled.length).toBeGreaterThan(10);
    expect(handled.filter((event) => event.status !== 'processed')).toEqual([]);
  });
});
