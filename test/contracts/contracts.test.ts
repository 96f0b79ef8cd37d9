import type Stripe from 'stripe';
import { failAt } from '../../server/faultPoints';
import { advanceTestClock } from '../../server/stripe-emulator/testing';
import {
  addMember,
  createAccount,
  createPartnerKey,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { useBillingStack } from '../support/billingStack';
import { deliverEvent } from '../support/eventPermutations';
import { DAY_MS, useFollowingClock } from '../support/subscribedAccount';
import type { Caller } from '../support/testApp';

/**
 * A platform admin puts an account on sales-led terms: any published plan (contact-sales ones too) at
 * the contract's own price, billed by card or by invoice with payment terms, until an end date or
 * renewing. The customer sees it as their plan; Stripe bills exactly the contract's price.
 */
const stack = useBillingStack();
const time = useFollowingClock();
let admin: Caller;

beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});

const CREATE = `mutation($input: CreateContractInput!) { createContract(input: $input) {
  id status price { amount currency } interval billing daysUntilDue trialDays endsAt autoRenew plan { key }
  limitOverrides { featureKey limit unlimited } } }`;
const ACCOUNT = `query($id: ID) { account(id: $id) {
  subscription { status plan { key } }
  contract { id status billing daysUntilDue price { amount currency } plan { key } }
  invoices { edges { node { status total { amount } amountDue { amount } dueDate paidAt } } } } }`;

const planId = async (key: string): Promise<string> =>
  (await stack.knex('plans').where({ key, status: 'published' }).orderBy('version', 'desc').first()).id;

/** An account with an owner and a Stripe customer on its own test clock, with a saved card or none. */
async function customerAccount({
  card,
  paymentMethod = 'pm_card_visa',
}: {
  card: boolean;
  paymentMethod?: string;
}) {
  const account = await createAccount({ billingEmail: `${unique('billing')}@customer.test` });
  const owner = await createUser();
  await addMember({ accountId: account.id, user: owner, role: 'owner' });
  const testClock = await stack.stripe.testHelpers.testClocks.create({
    frozen_time: Math.floor(time.clock.now().getTime() / 1000),
  });
  const customer = await stack.stripe.customers.create({
    name: account.name,
    test_clock: testClock.id,
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  if (card) {
    const method = await stack.stripe.paymentMethods.attach(paymentMethod, { customer: customer.id });
    await stack.stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: method.id },
    });
  }
  return {
    account,
    customer,
    owner: { cookie: await sessionCookieFor(owner) } as Caller,
    async advanceTo(at: Date) {
      time.clock.set(at);
      await advanceTestClock(stack.stripe, testClock.id, Math.floor(at.getTime() / 1000));
      await stack.settle();
    },
  };
}

async function createContract(input: Record<string, unknown>, caller: Caller = admin) {
  const result = await stack.app.graphql(CREATE, { input }, caller);
  await stack.settle();
  return result;
}

async function accountView(accountId: string) {
  const { data, errors } = await stack.app.graphql(ACCOUNT, { id: accountId }, admin);
  expect(errors).toBeUndefined();
  return data!.account;
}

const stripeSubscriptionsOf = async (customerId: string) =>
  (await stack.stripe.subscriptions.list({ customer: customerId, status: 'all' })).data;

async function redeliverEventsOf(customerId: string) {
  const events = (await stack.stripe.events.list({ limit: 100 })).data.filter(
    (event) => (event.data.object as { customer?: string }).customer === customerId,
  );
  for (const event of events.reverse()) expect(await deliverEvent(stack, event)).toBeLessThan(300);
  return events.length;
}

const booksOf = async (accountId: string) => ({
  subscriptions: await stack.knex('subscriptions').where({ accountId }).orderBy('createdAt'),
  invoices: await stack.knex('invoices').where({ accountId }).orderBy('createdAt'),
  payments: await stack.knex('payments').where({ accountId }).orderBy('createdAt'),
  contracts: await stack.knex('contracts').where({ accountId }),
});

describe('a contract billed by invoice with payment terms', () => {
  it('sends an invoice due in the agreed days, never charges it, and records its payment', async () => {
    const { account, customer, owner } = await customerAccount({ card: false });
    const { data, errors } = await createContract({
      accountId: account.id,
      planId: await planId('starter_monthly'),
      unitAmount: 12_345,
      billing: 'INVOICE',
      daysUntilDue: 30,
    });
    expect(errors).toBeUndefined();
    expect(data!.createContract).toMatchObject({
      status: 'ACTIVE',
      price: { amount: 12_345, currency: 'usd' },
      interval: 'MONTH',
      billing: 'INVOICE',
      daysUntilDue: 30,
      endsAt: null,
      autoRenew: true,
      plan: { key: 'starter_monthly' },
    });

    const [subscription] = await stripeSubscriptionsOf(customer.id);
    expect(subscription).toMatchObject({ collection_method: 'send_invoice', days_until_due: 30 });
    const invoices = (await stack.stripe.invoices.list({ customer: customer.id })).data;
    expect(invoices).toHaveLength(1);
    const due = new Date(time.clock.now().getTime() + 30 * DAY_MS);
    expect(invoices[0]).toMatchObject({ status: 'open', amount_due: 12_345, amount_paid: 0 });
    expect(Math.abs(invoices[0]!.due_date! * 1000 - due.getTime())).toBeLessThan(60_000);

    // The customer sees the contract as their plan, and the invoice with its due date, unpaid.
    const { data: seen } = await stack.app.graphql(ACCOUNT, { id: account.id }, owner);
    expect(seen!.account).toMatchObject({
      subscription: { status: 'ACTIVE', plan: { key: 'starter_monthly' } },
      contract: { status: 'ACTIVE', billing: 'INVOICE', price: { amount: 12_345 } },
    });
    const [invoice] = seen!.account.invoices.edges.map((edge: { node: unknown }) => edge.node);
    expect(invoice).toMatchObject({ status: 'OPEN', amountDue: { amount: 12_345 }, paidAt: null });
    expect(Math.abs(new Date(invoice.dueDate).getTime() - due.getTime())).toBeLessThan(60_000);

    await stack.stripe.invoices.pay(invoices[0]!.id, { paid_out_of_band: true });
    await stack.settle();
    const paid = (await accountView(account.id)).invoices.edges[0].node;
    expect(paid).toMatchObject({ status: 'PAID', paidAt: expect.any(String) });

    // Stripe delivering every event again changes nothing.
    const before = await booksOf(account.id);
    expect(await redeliverEventsOf(customer.id)).toBeGreaterThan(0);
    expect(await booksOf(account.id)).toEqual(before);
    expect(await stripeSubscriptionsOf(customer.id)).toHaveLength(1);
  });
});

describe('a contract billed by card', () => {
  it('puts the account on a contact-sales plan at its own price and entitlements, ended only by an admin', async () => {
    const { account, customer, owner } = await customerAccount({ card: true });
    // Named as a partner's console would: the account by its external id, the plan by its key.
    const { data, errors } = await createContract({
      externalId: account.externalId,
      planKey: 'enterprise',
      unitAmount: 450_000,
      billing: 'CARD',
      limitOverrides: [{ featureKey: 'projects', limit: 777 }],
    });
    expect(errors).toBeUndefined();
    expect(data!.createContract).toMatchObject({
      plan: { key: 'enterprise' },
      interval: 'YEAR',
      billing: 'CARD',
      daysUntilDue: null,
      limitOverrides: [{ featureKey: 'projects', limit: 777, unlimited: false }],
    });
    const invoices = (await stack.stripe.invoices.list({ customer: customer.id })).data;
    expect(invoices).toMatchObject([{ status: 'paid', amount_paid: 450_000 }]);

    const view = await accountView(account.id);
    expect(view.subscription).toMatchObject({ status: 'ACTIVE', plan: { key: 'enterprise' } });
    const check = await stack.app.graphql(
      `query($id: ID) { entitlement(accountId: $id, featureKey: "projects") { allowed limit plan { key } } }`,
      { id: account.id },
      owner,
    );
    expect(check.data!.entitlement).toEqual({ allowed: true, limit: 777, plan: { key: 'enterprise' } });

    // Its plan and price are what sales agreed: the customer cannot reprice it at the catalog's price.
    const change = await stack.app.graphql(
      `mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind } }`,
      { input: { accountId: account.id, planKey: 'pro_monthly' } },
      owner,
    );
    expect(change.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const cancel = `mutation($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) {
      currentSubscription { plan { key } } } }`;
    const byOwner = await stack.app.graphql(cancel, { input: { accountId: account.id } }, owner);
    expect(byOwner.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await accountView(account.id)).subscription.plan.key).toBe('enterprise');

    // A platform admin ends it at once: the contract ends with its subscription.
    const byAdmin = await stack.app.graphql(
      cancel,
      { input: { accountId: account.id, atPeriodEnd: false, reason: 'Contract terminated' } },
      admin,
    );
    expect(byAdmin.errors).toBeUndefined();
    await stack.settle();
    const ended = await accountView(account.id);
    expect(ended.subscription.plan.key).toBe('free');
    expect(ended.contract).toBeNull();
    expect(await stack.knex('contracts').where({ accountId: account.id }).first()).toMatchObject({
      status: 'ended',
    });
  });

  it('starts with the agreed trial and charges the contract’s price when it ends', async () => {
    const { account, customer, advanceTo } = await customerAccount({ card: true });
    const start = time.clock.now();
    const { data, errors } = await createContract({
      accountId: account.id,
      planId: await planId('team_monthly'),
      unitAmount: 9900,
      billing: 'CARD',
      trialDays: 14,
    });
    expect(errors).toBeUndefined();
    expect(data!.createContract).toMatchObject({ trialDays: 14, billing: 'CARD' });
    expect((await accountView(account.id)).subscription).toMatchObject({
      status: 'TRIALING',
      plan: { key: 'team_monthly' },
    });
    const charged = async () =>
      (await stack.stripe.invoices.list({ customer: customer.id })).data.reduce(
        (sum, invoice) => sum + invoice.amount_paid,
        0,
      );
    expect(await charged()).toBe(0);

    await advanceTo(new Date(start.getTime() + 15 * DAY_MS));
    expect((await accountView(account.id)).subscription.status).toBe('ACTIVE');
    expect(await charged()).toBe(9900);
  });

  it('starts nothing when the first charge is declined, and a new contract can follow a new card', async () => {
    const { account, customer } = await customerAccount({
      card: true,
      paymentMethod: 'pm_card_chargeCustomerFail',
    });
    const terms = { accountId: account.id, planKey: 'enterprise', unitAmount: 300_000, billing: 'CARD' };
    const declined = await createContract({ ...terms, idempotencyKey: 'first-try' });
    expect(declined.errors?.[0]?.extensions?.code).toBe('PAYMENT_PROVIDER_ERROR');
    expect(declined.errors?.[0]?.message).toMatch(/declined/i);
    expect(await stripeSubscriptionsOf(customer.id)).toEqual([]);
    expect(await stack.knex('contracts').where({ accountId: account.id })).toEqual([
      expect.objectContaining({ status: 'ended' }),
    ]);
    const view = await accountView(account.id);
    expect(view).toMatchObject({ contract: null, subscription: { plan: { key: 'free' } } });
    // A retry of the same request is told the contract ended rather than charged again.
    const retried = await createContract({ ...terms, idempotencyKey: 'first-try' });
    expect(retried.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const method = await stack.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stack.stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: method.id },
    });
    const started = await createContract({ ...terms, idempotencyKey: 'second-try' });
    expect(started.errors).toBeUndefined();
    expect((await accountView(account.id)).contract).toMatchObject({
      status: 'ACTIVE',
      plan: { key: 'enterprise' },
    });
    expect(await stripeSubscriptionsOf(customer.id)).toHaveLength(1);
  });

  it('is refused for a customer without a saved card, and nothing is made', async () => {
    const { account, customer } = await customerAccount({ card: false });
    const { errors } = await createContract({
      accountId: account.id,
      planId: await planId('pro_monthly'),
      unitAmount: 1000,
      billing: 'CARD',
    });
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { billing: expect.any(String) },
    });
    expect(await stripeSubscriptionsOf(customer.id)).toHaveLength(0);
    expect(await stack.knex('contracts').where({ accountId: account.id })).toHaveLength(0);
  });
});

describe('a contract with an end date', () => {
  it('renews until its end date, then ends, and the account returns to the free plan', async () => {
    const { account, customer, advanceTo } = await customerAccount({ card: false });
    const start = time.clock.now();
    const endsAt = new Date(start.getTime() + 45 * DAY_MS);
    const { data, errors } = await createContract({
      accountId: account.id,
      planId: await planId('pro_monthly'),
      unitAmount: 5000,
      billing: 'INVOICE',
      daysUntilDue: 14,
      endsAt: endsAt.toISOString(),
    });
    expect(errors).toBeUndefined();
    expect(data!.createContract).toMatchObject({ autoRenew: false, endsAt: endsAt.toISOString() });

    await advanceTo(new Date(start.getTime() + 40 * DAY_MS));
    expect((await accountView(account.id)).subscription.plan.key).toBe('pro_monthly');
    await advanceTo(new Date(start.getTime() + 46 * DAY_MS));
    const view = await accountView(account.id);
    expect(view.subscription.plan.key).toBe('free');
    expect(view.contract).toBeNull();
    expect(await stack.knex('contracts').where({ accountId: account.id }).first()).toMatchObject({
      status: 'ended',
    });
    expect((await stripeSubscriptionsOf(customer.id))[0]).toMatchObject({ status: 'canceled' });
  });
});

describe('changing a contract’s term', () => {
  const UPDATE = `mutation($input: UpdateContractInput!) { updateContract(input: $input) { endsAt autoRenew } }`;

  it('gives a renewing contract an end date, and takes it back', async () => {
    const { account, customer, owner, advanceTo } = await customerAccount({ card: false });
    const start = time.clock.now();
    const { data } = await createContract({
      accountId: account.id,
      planId: await planId('pro_monthly'),
      unitAmount: 5000,
      billing: 'INVOICE',
      daysUntilDue: 14,
    });
    const contractId = data!.createContract.id as string;
    const endsAt = new Date(start.getTime() + 45 * DAY_MS);

    for (const refused of [
      { input: { contractId, endsAt: new Date(start.getTime() - DAY_MS).toISOString() }, field: 'endsAt' },
      { input: { contractId }, field: 'endsAt' },
      { input: { contractId, endsAt: endsAt.toISOString(), autoRenew: true }, field: 'autoRenew' },
    ]) {
      const { errors } = await stack.app.graphql(UPDATE, { input: refused.input }, admin);
      expect(errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { [refused.field]: expect.any(String) },
      });
    }
    const byOwner = await stack.app.graphql(
      UPDATE,
      { input: { contractId, endsAt: endsAt.toISOString() } },
      owner,
    );
    expect(byOwner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await stripeSubscriptionsOf(customer.id))[0]!.cancel_at).toBeNull();

    const ending = await stack.app.graphql(
      UPDATE,
      { input: { contractId, endsAt: endsAt.toISOString() } },
      admin,
    );
    expect(ending.data!.updateContract).toEqual({ endsAt: endsAt.toISOString(), autoRenew: false });
    expect((await stripeSubscriptionsOf(customer.id))[0]!.cancel_at).toBe(
      Math.floor(endsAt.getTime() / 1000),
    );

    const renewing = await stack.app.graphql(UPDATE, { input: { contractId, autoRenew: true } }, admin);
    expect(renewing.data!.updateContract).toEqual({ endsAt: null, autoRenew: true });
    await advanceTo(new Date(start.getTime() + 50 * DAY_MS));
    expect((await accountView(account.id)).subscription.plan.key).toBe('pro_monthly');

    await stack.app.graphql(
      UPDATE,
      { input: { contractId, endsAt: new Date(start.getTime() + 70 * DAY_MS).toISOString() } },
      admin,
    );
    await advanceTo(new Date(start.getTime() + 71 * DAY_MS));
    expect((await accountView(account.id)).subscription.plan.key).toBe('free');
    const ended = await stack.app.graphql(UPDATE, { input: { contractId, autoRenew: true } }, admin);
    expect(ended.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });
});

describe('retries', () => {
  it('answers a repeated key with the same contract and one Stripe subscription', async () => {
    const { account, customer } = await customerAccount({ card: false });
    const input = {
      accountId: account.id,
      planId: await planId('pro_monthly'),
      unitAmount: 2500,
      billing: 'INVOICE',
      daysUntilDue: 10,
      idempotencyKey: unique('contract'),
    };
    const [first, second] = await Promise.all([createContract(input), createContract(input)]);
    const answered = [first, second].filter((result) => !result.errors);
    expect(answered.length).toBeGreaterThan(0);
    const again = await createContract(input);
    expect(again.data!.createContract.id).toBe(answered[0]!.data!.createContract.id);
    expect(await stripeSubscriptionsOf(customer.id)).toHaveLength(1);
    expect(await stack.knex('contracts').where({ accountId: account.id })).toHaveLength(1);

    // The same terms again without a key: the account has its contract already.
    const { idempotencyKey: _key, ...withoutKey } = input;
    const duplicate = await createContract(withoutKey);
    expect(duplicate.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await stripeSubscriptionsOf(customer.id)).toHaveLength(1);
  });

  it.each(['contract.beforeStripeCall', 'contract.afterStripeCall'] as const)(
    'resumes a request that failed at %s, making one subscription',
    async (point) => {
      const { account, customer } = await customerAccount({ card: false });
      const input = {
        accountId: account.id,
        planId: await planId('pro_monthly'),
        unitAmount: 3100,
        billing: 'INVOICE',
        daysUntilDue: 20,
        idempotencyKey: unique('contract'),
      };
      const disarm = failAt(point);
      const failed = await createContract(input);
      disarm();
      expect(failed.errors).toBeDefined();

      const resumed = await createContract(input);
      expect(resumed.errors).toBeUndefined();
      expect(resumed.data!.createContract.status).toBe('ACTIVE');
      const subscriptions: Stripe.Subscription[] = await stripeSubscriptionsOf(customer.id);
      expect(subscriptions).toHaveLength(1);
      expect(subscriptions[0]!.metadata.contract_id).toBe(resumed.data!.createContract.id);
      const audit = await stack
        .knex('audit_log')
        .where({ action: 'contract.created', targetId: resumed.data!.createContract.id });
      expect(audit).toHaveLength(1);
      expect(await stack.knex('contracts').where({ accountId: account.id })).toHaveLength(1);
      expect((await accountView(account.id)).subscription.plan.key).toBe('pro_monthly');
    },
  );
});

describe('refusals', () => {
  it.each([
    ['unitAmount', { unitAmount: -1 }],
    ['planId', { planId: '00000000-0000-0000-0000-000000000000' }],
    ['planKey', { planId: undefined, planKey: 'no_such_plan' }],
    ['planKey', { planKey: 'pro_monthly' }],
    ['daysUntilDue', { daysUntilDue: 0 }],
    ['trialDays', { trialDays: -1 }],
    ['trialDays', { trialDays: 731 }],
    ['daysUntilDue', { daysUntilDue: 366 }],
    ['daysUntilDue', { daysUntilDue: null }],
    ['daysUntilDue', { billing: 'CARD', daysUntilDue: 30 }],
    ['endsAt', { endsAt: new Date(Date.UTC(2020, 0, 1)).toISOString() }],
    ['endsAt', { autoRenew: false }],
    ['autoRenew', { endsAt: new Date(Date.UTC(2027, 0, 1)).toISOString(), autoRenew: true }],
    ['currency', { currency: 'eur' }],
    ['interval', { interval: 'LIFETIME' }],
    ['limitOverrides.0.featureKey', { limitOverrides: [{ featureKey: 'no_such_limit', limit: 5 }] }],
    ['limitOverrides.0.limit', { limitOverrides: [{ featureKey: 'projects' }] }],
  ])('names %s and changes nothing', async (field, overrides) => {
    const { account, customer } = await customerAccount({ card: true });
    const { errors } = await createContract({
      accountId: account.id,
      planId: await planId('pro_monthly'),
      unitAmount: 1000,
      billing: 'INVOICE',
      daysUntilDue: 30,
      ...overrides,
    });
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { [field]: expect.any(String) },
    });
    expect(await stack.knex('contracts').where({ accountId: account.id })).toHaveLength(0);
    expect(await stripeSubscriptionsOf(customer.id)).toHaveLength(0);
  });

  it('refuses a draft plan by name', async () => {
    const { account } = await customerAccount({ card: false });
    const draft = await stack.app.graphql(
      `mutation($input: PlanDraftInput!) { createPlanDraft(input: $input) { id } }`,
      {
        input: {
          key: unique('custom').replace(/-/g, '_'),
          name: 'Custom',
          tier: 'custom',
          tierRank: 8,
          interval: 'MONTH',
          priceAmount: 100,
          currency: 'usd',
        },
      },
      admin,
    );
    const { errors } = await createContract({
      accountId: account.id,
      planId: draft.data!.createPlanDraft.id,
      unitAmount: 1000,
      billing: 'INVOICE',
      daysUntilDue: 30,
    });
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { planId: 'is a draft' },
    });
  });

  it('refuses the account’s owner and keys, whatever their scopes', async () => {
    const { account, owner, customer } = await customerAccount({ card: false });
    const input = {
      accountId: account.id,
      planId: await planId('pro_monthly'),
      unitAmount: 1,
      billing: 'INVOICE',
      daysUntilDue: 30,
    };
    expect((await createContract(input, owner)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { secret } = await createPartnerKey({ scopes: ['billing:write', 'catalog:write'] });
    expect((await createContract(input, { apiKey: secret })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await stripeSubscriptionsOf(customer.id)).toHaveLength(0);
  });

  it('refuses an account that already pays for a subscription', async () => {
    const { account, customer } = await customerAccount({ card: true });
    const price = (await stack.knex('plans').where({ key: 'pro_monthly', active: true }).first())
      .stripePriceId;
    await stack.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      metadata: { account_id: account.id },
    });
    await stack.settle();
    const { errors } = await createContract({
      accountId: account.id,
      planId: await planId('team_monthly'),
      unitAmount: 1000,
      billing: 'CARD',
    });
    expect(errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await stripeSubscriptionsOf(customer.id)).toHaveLength(1);
  });
});
