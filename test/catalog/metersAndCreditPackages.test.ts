import {
  exportCatalog,
  formatCatalog,
  parseCatalogFile,
  planCatalogChanges,
} from '../../server/catalog/catalogFile';
import { triggerAutoTopUp } from '../../server/credits/autoTopUp';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, createPartnerKey, createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import type { Caller } from '../support/testApp';

/**
 * The operator manages meters and credit packages through the API: a meter saved there takes usage at
 * once, a package saved there is bought through Checkout at once (its Stripe price made there and then,
 * no restart), a new price is sold from then on while earlier purchases keep theirs, a withdrawn package
 * is no longer sold, the same save sent again makes nothing twice, and bad input is refused whole,
 * naming the field.
 */
const stack = useBillingStack();
let admin: Caller;
let usageKey: Caller;

beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
  usageKey = { apiKey: (await createPartnerKey({ scopes: ['usage:write'] })).secret };
});

const METER_FIELDS = 'id key name aggregation property unit creditCostMilliCredits active';
const SAVE_METER = `mutation($input: MeterInput!, $createOnly: Boolean) {
  saveMeter(input: $input, createOnly: $createOnly) { ${METER_FIELDS} } }`;
const ARCHIVE_METER = `mutation($key: String!) { archiveMeter(key: $key) { ${METER_FIELDS} } }`;
const METERS = `query($all: Boolean) { meters(includeInactive: $all) { key active } }`;
const PACKAGE_FIELDS =
  'id key name milliCredits price { amount currency } availableForPurchase availableForAutoTopUp displayOrder active';
const SAVE_PACKAGE = `mutation($input: CreditPackageInput!, $createOnly: Boolean) {
  saveCreditPackage(input: $input, createOnly: $createOnly) { ${PACKAGE_FIELDS} } }`;
const WITHDRAW = `mutation($key: String!) { withdrawCreditPackage(key: $key) { ${PACKAGE_FIELDS} } }`;
const PACKAGES = `query($all: Boolean) { creditPackages(includeInactive: $all) { key active } }`;
const RECORD = `mutation($input: RecordUsageInput!) {
  recordUsage(input: $input) { accepted rejected errors { field message } } }`;
const SUMMARY = `query($id: ID) { account(id: $id) { usageSummary { meter { key } quantity } } }`;
const START = `mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url } }`;
const BALANCE = `query($id: ID) { account(id: $id) { creditBalance { milliCredits } } }`;

const key = (prefix: string) => unique(prefix).replace(/-/g, '_');
const meterInput = (overrides: Record<string, unknown> = {}) => ({
  key: key('seats_seen'),
  name: 'Seats seen',
  aggregation: 'UNIQUE_COUNT',
  property: 'user_id',
  unit: 'seat',
  creditCostMilliCredits: 250,
  ...overrides,
});
const packageInput = (overrides: Record<string, unknown> = {}) => ({
  key: key('credits_2500'),
  name: '2,500 credits',
  milliCredits: 2_500_000,
  priceAmount: 3300,
  currency: 'usd',
  ...overrides,
});

async function save(document: string, variables: Record<string, unknown>, caller: Caller = admin) {
  const { data, errors } = await stack.app.graphql(document, variables, caller);
  expect(errors).toBeUndefined();
  return Object.values(data!)[0] as Record<string, any>;
}

async function refusal(document: string, variables: Record<string, unknown>, caller: Caller = admin) {
  const { data, errors } = await stack.app.graphql(document, variables, caller);
  expect(data).toBeNull();
  return errors?.[0]?.extensions as { code: string; fieldErrors?: Record<string, string> };
}

/** What a refused write must leave untouched: meters, packages, their audit trail and Stripe's prices. */
async function catalogState() {
  return {
    meters: await stack.knex('meters').orderBy('id'),
    creditPackages: await stack.knex('credit_packages').orderBy('id'),
    audit: (
      await stack
        .knex('audit_log')
        .where('action', 'like', 'meter.%')
        .orWhere('action', 'like', 'credit_package.%')
    ).length,
    prices: (await stack.stripe.prices.list({ limit: 100 })).data.length,
  };
}

async function stripePricesOf(packageKey: string) {
  const packageId = (await stack.knex('credit_packages').where({ key: packageKey }).first()).id;
  return (await stack.stripe.prices.list({ limit: 100 })).data.filter(
    (price) => price.metadata.credit_package_id === packageId,
  );
}

/** Buys the package through Checkout with the emulator's test card, as the account's owner. */
async function buy(accountId: string, cookie: string, creditPackageKey: string) {
  const started = await stack.app.graphql(START, { input: { accountId, creditPackageKey } }, { cookie });
  expect(started.errors).toBeUndefined();
  expect((await submitCheckoutForm(started.data!.startCreditPackageCheckout.url)).status).toBe(303);
  await stack.settle();
}

const balanceOf = async (accountId: string, cookie: string) =>
  (await stack.app.graphql(BALANCE, { id: accountId }, { cookie })).data!.account.creditBalance
    .milliCredits as number;

describe('a meter saved through the API', () => {
  it('takes usage at once, added up as it says, and shows in the usage summary', async () => {
    const input = meterInput();
    expect(await save(SAVE_METER, { input })).toMatchObject({
      key: input.key,
      aggregation: 'UNIQUE_COUNT',
      property: 'user_id',
      unit: 'seat',
      creditCostMilliCredits: 250,
      active: true,
    });
    const { account, cookie } = await createMember({ role: 'owner' });
    const occurredAt = new Date().toISOString();
    const events = ['ada', 'bob', 'ada'].map((user) => ({
      accountId: account.id,
      meterKey: input.key,
      quantity: 1,
      occurredAt,
      idempotencyKey: unique('evt'),
      properties: { user_id: user },
    }));
    expect(await save(RECORD, { input: { events } }, usageKey)).toMatchObject({ accepted: 3, rejected: 0 });

    const summary = await stack.app.graphql(SUMMARY, { id: account.id }, { cookie });
    expect(summary.errors).toBeUndefined();
    expect(summary.data!.account.usageSummary).toContainEqual({ meter: { key: input.key }, quantity: 2 });
  });

  it('changes its name, unit and credit cost, but never how it adds up', async () => {
    const input = meterInput({ aggregation: 'SUM', property: null });
    await save(SAVE_METER, { input });
    expect(
      await save(SAVE_METER, {
        input: { ...input, name: 'Renamed', unit: 'call', creditCostMilliCredits: null },
      }),
    ).toMatchObject({ name: 'Renamed', unit: 'call', creditCostMilliCredits: null, aggregation: 'SUM' });

    const before = await catalogState();
    expect(await refusal(SAVE_METER, { input: { ...input, aggregation: 'MAX' } })).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { aggregation: expect.stringContaining('another key') },
    });
    expect(await catalogState()).toEqual(before);
  });

  it('is saved once when the same input is sent again; a creation is refused over another meter', async () => {
    const input = meterInput();
    const first = await save(SAVE_METER, { input, createOnly: true });
    const audit = (await catalogState()).audit;
    expect(await save(SAVE_METER, { input, createOnly: true })).toEqual(first);
    expect(await save(SAVE_METER, { input })).toEqual(first);
    expect((await catalogState()).audit).toBe(audit);

    const before = await catalogState();
    expect(await refusal(SAVE_METER, { input: { ...input, name: 'Other' }, createOnly: true })).toMatchObject(
      {
        code: 'BAD_USER_INPUT',
        fieldErrors: { key: expect.stringContaining('already a meter') },
      },
    );
    expect(await catalogState()).toEqual(before);
  });

  it.each([
    ['property', { aggregation: 'UNIQUE_COUNT', property: null }],
    ['property', { aggregation: 'SUM', property: 'user_id' }],
    ['key', { key: 'Not A Key' }],
    ['name', { name: '  ' }],
    ['creditCostMilliCredits', { creditCostMilliCredits: -1 }],
  ])('is refused whole, naming %s, when it could not be used as written', async (field, overrides) => {
    const before = await catalogState();
    const error = await refusal(SAVE_METER, { input: meterInput(overrides) });
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { [field]: expect.any(String) } });
    expect(await catalogState()).toEqual(before);
  });

  it('is archived: no usage is taken nor shown, until it is saved again', async () => {
    const input = meterInput({ aggregation: 'COUNT', property: null });
    await save(SAVE_METER, { input });
    expect(await save(ARCHIVE_METER, { key: input.key })).toMatchObject({ active: false });
    expect(await save(ARCHIVE_METER, { key: input.key })).toMatchObject({ active: false });
    expect((await save(METERS, {})) as unknown).not.toContainEqual(
      expect.objectContaining({ key: input.key }),
    );
    expect(await save(METERS, { all: true })).toContainEqual({ key: input.key, active: false });

    const { account } = await createMember({ role: 'owner' });
    const event = {
      accountId: account.id,
      meterKey: input.key,
      quantity: 1,
      occurredAt: new Date().toISOString(),
      idempotencyKey: unique('evt'),
    };
    expect(await save(RECORD, { input: { events: [event] } }, usageKey)).toMatchObject({
      accepted: 0,
      rejected: 1,
      errors: [{ field: 'meterKey' }],
    });

    expect(await save(SAVE_METER, { input })).toMatchObject({ active: true });
    expect(await save(RECORD, { input: { events: [event] } }, usageKey)).toMatchObject({ accepted: 1 });
  });

  it('is not archived while a plan on sale gives an allowance of it', async () => {
    const before = await catalogState();
    expect(await refusal(ARCHIVE_METER, { key: 'executions' })).toMatchObject({ code: 'CONFLICT' });
    expect(await refusal(ARCHIVE_METER, { key: 'no_such_meter' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await catalogState()).toEqual(before);
  });

  it('is not archived while a draft gives an allowance of it, and is once that draft is discarded', async () => {
    const input = meterInput({ aggregation: 'SUM', property: null });
    await save(SAVE_METER, { input });
    const draft = await save(`mutation($input: PlanDraftInput!) { createPlanDraft(input: $input) { id } }`, {
      input: {
        key: key('metered_draft'),
        name: 'Metered',
        tier: 'metered',
        tierRank: 7,
        interval: 'MONTH',
        priceAmount: 900,
        currency: 'usd',
        meteredAllowances: [{ meterKey: input.key, includedQuantity: 100 }],
      },
    });
    expect(await refusal(ARCHIVE_METER, { key: input.key })).toMatchObject({ code: 'CONFLICT' });
    await save(`mutation($id: ID!) { archivePlan(id: $id) { id } }`, { id: draft.id });
    expect(await save(ARCHIVE_METER, { key: input.key })).toMatchObject({ active: false });
  });
});

describe('a credit package saved through the API', () => {
  it('is bought through Checkout at once, without a restart, for what it says', async () => {
    const input = packageInput();
    expect(await save(SAVE_PACKAGE, { input })).toMatchObject({
      key: input.key,
      milliCredits: 2_500_000,
      price: { amount: 3300, currency: 'usd' },
      availableForPurchase: true,
      availableForAutoTopUp: false,
      active: true,
    });
    expect(await stripePricesOf(input.key)).toEqual([
      expect.objectContaining({
        unit_amount: 3300,
        currency: 'usd',
        lookup_key: `credit_package:${input.key}`,
      }),
    ]);
    expect(await save(PACKAGES, {})).toContainEqual({ key: input.key, active: true });

    const { account, cookie } = await createMember({ role: 'owner' });
    await buy(account.id, cookie, input.key);
    expect(await balanceOf(account.id, cookie)).toBe(2_500_000);
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([
      expect.objectContaining({
        type: 'credit_top_up',
        status: 'completed',
        amount: 3300,
        credits: 2_500_000,
      }),
    ]);
  });

  it('sells a new price at once, while purchases at the old one keep it', async () => {
    const input = packageInput();
    await save(SAVE_PACKAGE, { input });
    const { account, cookie } = await createMember({ role: 'owner' });
    await buy(account.id, cookie, input.key);

    await save(SAVE_PACKAGE, { input: { ...input, priceAmount: 3900 } });
    const prices = await stripePricesOf(input.key);
    expect(prices.map((price) => price.unit_amount).sort()).toEqual([3300, 3900]);
    expect(prices.find((price) => price.unit_amount === 3900)!.lookup_key).toBe(
      `credit_package:${input.key}`,
    );

    await buy(account.id, cookie, input.key);
    const payments = await stack.knex('payments').where({ accountId: account.id }).orderBy('createdAt');
    expect(payments.map((payment) => [payment.amount, payment.credits, payment.status])).toEqual([
      [3300, 2_500_000, 'completed'],
      [3900, 2_500_000, 'completed'],
    ]);
    expect(await balanceOf(account.id, cookie)).toBe(5_000_000);
  });

  it('makes nothing twice when the same save is sent again, in the catalog or in Stripe', async () => {
    const input = packageInput();
    const first = await save(SAVE_PACKAGE, { input, createOnly: true });
    const before = await catalogState();
    expect(await save(SAVE_PACKAGE, { input, createOnly: true })).toEqual(first);
    expect(await save(SAVE_PACKAGE, { input })).toEqual(first);
    expect(await catalogState()).toEqual(before);

    expect(
      await refusal(SAVE_PACKAGE, { input: { ...input, priceAmount: 100 }, createOnly: true }),
    ).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { key: expect.stringContaining('already') } });
    expect(await catalogState()).toEqual(before);
  });

  it('is no longer sold once withdrawn, by hand or by automatic top-up', async () => {
    const input = packageInput({ availableForAutoTopUp: true });
    const saved = await save(SAVE_PACKAGE, { input });
    const { account, cookie } = await createMember({ role: 'owner' });
    const customer = await stack.stripe.customers.create({ metadata: { account_id: account.id } });
    await stack.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
    const configured = await stack.app.graphql(
      `mutation($input: UpdateAutoTopUpInput!) { updateAutoTopUp(input: $input) { creditPackage { key } } }`,
      {
        input: {
          accountId: account.id,
          enabled: true,
          thresholdMilliCredits: 100_000,
          creditPackageId: saved.id,
        },
      },
      { cookie },
    );
    expect(configured.errors).toBeUndefined();

    expect(await save(WITHDRAW, { key: input.key })).toMatchObject({ active: false });
    expect(await save(WITHDRAW, { key: input.key })).toMatchObject({ active: false });
    expect(await save(PACKAGES, {})).not.toContainEqual(expect.objectContaining({ key: input.key }));
    expect(await save(PACKAGES, { all: true })).toContainEqual({ key: input.key, active: false });
    const started = await stack.app.graphql(
      START,
      { input: { accountId: account.id, creditPackageKey: input.key } },
      { cookie },
    );
    expect(started.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { creditPackageKey: 'is not a credit package on sale' },
    });
    expect(await triggerAutoTopUp({ accountId: account.id })).toBeNull();
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([]);
  });

  it.each([
    ['milliCredits', { milliCredits: 0 }],
    ['milliCredits', { milliCredits: -1000 }],
    ['priceAmount', { priceAmount: 0 }],
    ['priceAmount', { priceAmount: -5 }],
    ['currency', { currency: 'zzz' }],
    ['key', { key: 'credits.1000' }],
    ['name', { name: '' }],
  ])('is refused whole, naming %s, when it could not be sold as written', async (field, overrides) => {
    const before = await catalogState();
    const error = await refusal(SAVE_PACKAGE, { input: packageInput(overrides) });
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { [field]: expect.any(String) } });
    expect(await catalogState()).toEqual(before);
  });
});

describe('managing meters and credit packages', () => {
  it('is refused to customers and to keys bound to one account, and writes nothing', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const boundKey = {
      apiKey: (await createPartnerKey({ scopes: ['catalog:write'], accountId: account.id })).secret,
    };
    const before = await catalogState();
    for (const caller of [{ cookie }, boundKey]) {
      expect(await refusal(SAVE_METER, { input: meterInput() }, caller)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await refusal(SAVE_PACKAGE, { input: packageInput() }, caller)).toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(await refusal(WITHDRAW, { key: 'credits_500' }, caller)).toMatchObject({ code: 'FORBIDDEN' });
      expect(await refusal(ARCHIVE_METER, { key: 'api_calls' }, caller)).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await catalogState()).toEqual(before);
  });

  it('is open to platform-wide keys with catalog:write', async () => {
    const catalogKey = { apiKey: (await createPartnerKey({ scopes: ['catalog:write'] })).secret };
    const input = packageInput();
    expect(await save(SAVE_PACKAGE, { input }, catalogKey)).toMatchObject({ key: input.key, active: true });
    expect(await save(WITHDRAW, { key: input.key }, catalogKey)).toMatchObject({ active: false });
  });
});

describe('the catalog file after changes through the API', () => {
  it('exports what the API saved, and applying that export changes nothing', async () => {
    const meter = meterInput();
    const archived = meterInput({ aggregation: 'MAX', property: null });
    const creditPackage = packageInput({ availableForAutoTopUp: true, displayOrder: 3 });
    const withdrawn = packageInput();
    await save(SAVE_METER, { input: meter });
    await save(SAVE_METER, { input: archived });
    await save(ARCHIVE_METER, { key: archived.key });
    await save(SAVE_PACKAGE, { input: creditPackage });
    await save(SAVE_PACKAGE, { input: { ...creditPackage, priceAmount: 2900 } });
    await save(SAVE_PACKAGE, { input: withdrawn });
    await save(WITHDRAW, { key: withdrawn.key });

    const exported = formatCatalog(await exportCatalog(), 'yaml');
    const file = parseCatalogFile(exported);
    expect(file.meters.get(meter.key)).toMatchObject({
      aggregation: 'unique_count',
      property: 'user_id',
      creditCostMilliCredits: 250,
    });
    expect(file.meters.has(archived.key)).toBe(false);
    expect(file.creditPackages.get(creditPackage.key)).toMatchObject({
      priceAmount: 2900,
      availableForAutoTopUp: true,
      displayOrder: 3,
    });
    expect(file.creditPackages.has(withdrawn.key)).toBe(false);

    const changes = await planCatalogChanges(file, { archiveMissing: true });
    const actions = [...changes.meters, ...changes.plans, ...changes.creditPackages].map(
      (change) => change.action,
    );
    expect(new Set(actions)).toEqual(new Set(['unchanged']));
  });
});
