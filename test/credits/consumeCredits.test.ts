import { describeActor, systemActor } from '../../server/auth/actor';
import { ConsumptionBatcher } from '../../server/credits/consumptionBatcher';
import {
  createAccount,
  createDemoCatalog,
  createMember,
  createPartnerKey,
  grantTestCredits,
  unique,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type Caller, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let partner: Caller;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  partner = { apiKey: (await createPartnerKey({ scopes: ['credits:write'] })).secret };
});
afterAll(() => app.close());

const CONSUME = `mutation($input: ConsumeCreditsInput!) {
  consumeCredits(input: $input) {
    chargedMilliCredits includedQuantity balanceAfterMilliCredits replayed
    ledgerEntry { id type amountMilliCredits balanceAfterMilliCredits }
  }
}`;

async function fundedAccount(milliCredits: number) {
  const account = await createAccount({ externalId: unique('acct') });
  if (milliCredits > 0) await grantTestCredits({ accountId: account.id, amount: milliCredits });
  return account;
}

async function creditState(accountId: string) {
  const balance = await db.knex('credit_balances').where({ accountId }).first();
  const ledger = await db.knex('credit_ledger_entries').where({ accountId }).orderBy('id');
  const consumptions = await db.knex('metered_credit_consumptions').where({ accountId });
  const usageEvents = await db.knex('usage_events').where({ accountId });
  return { balance: balance.balance, ledger, consumptions, usageEvents };
}

describe('consuming credits by amount', () => {
  it('takes the amount, writes one ledger entry with the balance after it, and answers a retry with the first result', async () => {
    const account = await fundedAccount(10_000);
    const input = { accountId: account.id, idempotencyKey: 'run-1', amountMilliCredits: 2500 };
    const first = await app.graphql(CONSUME, { input }, partner);
    expect(first.errors).toBeUndefined();
    expect(first.data!.consumeCredits).toEqual({
      chargedMilliCredits: 2500,
      includedQuantity: 0,
      balanceAfterMilliCredits: 7500,
      replayed: false,
      ledgerEntry: {
        id: expect.any(String),
        type: 'CONSUMPTION',
        amountMilliCredits: -2500,
        balanceAfterMilliCredits: 7500,
      },
    });

    const retry = await app.graphql(CONSUME, { input }, partner);
    expect(retry.data!.consumeCredits).toEqual({ ...first.data!.consumeCredits, replayed: true });
    const state = await creditState(account.id);
    expect(state.balance).toBe(7500);
    expect(state.ledger.map((entry) => entry.entryType)).toEqual(['grant', 'consumption']);

    const reused = await app.graphql(CONSUME, { input: { ...input, amountMilliCredits: 1 } }, partner);
    expect(reused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', idempotencyKey: 'run-1' });
    expect((await creditState(account.id)).balance).toBe(7500);
  });

  it('answers a retry with the first result after a restart too', async () => {
    const account = await fundedAccount(5000);
    const request = {
      accountId: account.id,
      idempotencyKey: 'k',
      amount: 1200,
      meter: null,
      quantity: null,
      description: null,
      actor: describeActor(systemActor('test')),
    };
    const first = await new ConsumptionBatcher({ knex: db.knex }).consume(request);
    const afterRestart = await new ConsumptionBatcher({ knex: db.knex }).consume(request);
    expect(afterRestart).toEqual({ ...first, replayed: true });
    expect((await creditState(account.id)).balance).toBe(3800);
  });

  it('fails with INSUFFICIENT_CREDITS, changing nothing, when the balance is short', async () => {
    const account = await fundedAccount(1000);
    const before = await creditState(account.id);
    const short = await app.graphql(
      CONSUME,
      { input: { externalId: account.externalId, idempotencyKey: 'big', amountMilliCredits: 1500 } },
      partner,
    );
    expect(short.errors?.[0]?.extensions).toEqual({
      code: 'INSUFFICIENT_CREDITS',
      balance: 1000,
      required: 1500,
    });
    const byMeter = await app.graphql(
      CONSUME,
      { input: { accountId: account.id, idempotencyKey: 'xl', meterKey: 'agent_action.xl', quantity: 2 } },
      partner,
    );
    expect(byMeter.errors?.[0]?.extensions).toEqual({
      code: 'INSUFFICIENT_CREDITS',
      balance: 1000,
      required: 15_000,
    });
    expect(await creditState(account.id)).toEqual(before);

    // Nothing was recorded under the key, so once topped up the same call goes through.
    await grantTestCredits({ accountId: account.id, amount: 1000 });
    const retried = await app.graphql(
      CONSUME,
      { input: { accountId: account.id, idempotencyKey: 'big', amountMilliCredits: 1500 } },
      partner,
    );
    expect(retried.data!.consumeCredits).toMatchObject({
      chargedMilliCredits: 1500,
      balanceAfterMilliCredits: 500,
      replayed: false,
    });
  });
});

describe('consuming credits by meter', () => {
  it('leaves the units the plan still includes free, charges the rest at the meter’s weight and records the usage', async () => {
    // The free plan includes 4 medium agent actions a period; each costs 2.5 credits beyond that.
    const account = await fundedAccount(20_000);
    const consume = (idempotencyKey: string, quantity: number) =>
      app.graphql(
        CONSUME,
        { input: { accountId: account.id, idempotencyKey, meterKey: 'agent_action.medium', quantity } },
        partner,
      );

    expect((await consume('a', 3)).data!.consumeCredits).toEqual({
      chargedMilliCredits: 0,
      includedQuantity: 3,
      balanceAfterMilliCredits: 20_000,
      replayed: false,
      ledgerEntry: null,
    });
    expect((await consume('b', 3)).data!.consumeCredits).toMatchObject({
      chargedMilliCredits: 5000,
      includedQuantity: 1,
      balanceAfterMilliCredits: 15_000,
    });
    expect((await consume('b', 3)).data!.consumeCredits).toMatchObject({
      chargedMilliCredits: 5000,
      includedQuantity: 1,
      replayed: true,
    });
    expect((await consume('a', 3)).data!.consumeCredits).toMatchObject({
      chargedMilliCredits: 0,
      includedQuantity: 3,
      replayed: true,
    });

    const state = await creditState(account.id);
    expect(state.usageEvents.map((event) => [event.idempotencyKey, event.quantity])).toEqual([
      ['a', 3],
      ['b', 3],
    ]);
    expect(
      state.ledger.filter((entry) => entry.entryType === 'consumption').map((entry) => entry.amount),
    ).toEqual([-5000]);
  });

  it('refuses meters without a credit weight and malformed requests, changing nothing', async () => {
    const account = await fundedAccount(5000);
    const before = await creditState(account.id);
    const attempt = (input: Record<string, unknown>) =>
      app.graphql(
        CONSUME,
        { input: { accountId: account.id, idempotencyKey: unique('k'), ...input } },
        partner,
      );
    expect((await attempt({ meterKey: 'executions', quantity: 1 })).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { meterKey: expect.stringContaining('no credit weight') },
    });
    expect((await attempt({ meterKey: 'nope', quantity: 1 })).errors?.[0]?.extensions.fieldErrors).toEqual({
      meterKey: 'nope is not an active meter',
    });
    expect(
      (await attempt({ amountMilliCredits: 5, meterKey: 'agent_action.small', quantity: 1 })).errors?.[0]
        ?.extensions.fieldErrors,
    ).toEqual({
      amount: 'give either an amount, or a meterKey and a quantity',
    });
    expect((await attempt({ meterKey: 'agent_action.small' })).errors?.[0]?.extensions.fieldErrors).toEqual({
      quantity: 'is required with a meterKey',
    });
    expect((await attempt({ amountMilliCredits: 0 })).errors?.[0]?.extensions.fieldErrors).toEqual({
      amount: 'must be positive',
    });
    expect(
      (await attempt({ amountMilliCredits: 5, idempotencyKey: '' })).errors?.[0]?.extensions.fieldErrors,
    ).toEqual({ idempotencyKey: 'is required' });
    expect(await creditState(account.id)).toEqual(before);
  });
});

describe('who may consume credits', () => {
  it('needs a key with credits:write that can see the account', async () => {
    const account = await fundedAccount(5000);
    const input = { accountId: account.id, idempotencyKey: unique('k'), amountMilliCredits: 100 };
    const otherAccountKey = {
      apiKey: (await createPartnerKey({ scopes: ['credits:write'], accountId: (await createAccount()).id }))
        .secret,
    };
    const readOnlyKey = {
      apiKey: (await createPartnerKey({ scopes: ['credits:read'], accountId: account.id })).secret,
    };
    const { cookie } = await createMember({ role: 'owner' });
    const ownerOfAccount = await createMember({ role: 'owner' });

    expect((await app.graphql(CONSUME, { input }, otherAccountKey)).errors?.[0]?.extensions.code).toBe(
      'NOT_FOUND',
    );
    expect((await app.graphql(CONSUME, { input }, readOnlyKey)).errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining('credits:write'),
    });
    expect((await app.graphql(CONSUME, { input }, { cookie })).errors?.[0]?.extensions.code).toBe(
      'NOT_FOUND',
    );
    const ownInput = { ...input, accountId: ownerOfAccount.account.id };
    expect(
      (await app.graphql(CONSUME, { input: ownInput }, { cookie: ownerOfAccount.cookie })).errors?.[0]
        ?.extensions.code,
    ).toBe('FORBIDDEN');
    expect((await app.graphql(CONSUME, { input })).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect((await creditState(account.id)).balance).toBe(5000);

    const boundKey = {
      apiKey: (await createPartnerKey({ scopes: ['credits:write'], accountId: account.id })).secret,
    };
    expect(
      (await app.graphql(CONSUME, { input }, boundKey)).data!.consumeCredits.balanceAfterMilliCredits,
    ).toBe(4900);
  });
});
