import { MAX_CONSUMPTIONS_PER_BATCH } from '../../server/credits/consumption';
import { createAccount, createDemoCatalog, createPartnerKey, grantTestCredits, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type Caller, type TestApp } from '../support/testApp';

/** `consumeCreditsBatch` from a partner's side: many consumptions, of many accounts, in one call. */
const db = useTestDatabase();
let app: TestApp;
let partner: Caller;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  partner = { apiKey: (await createPartnerKey({ scopes: ['credits:write'] })).secret };
});
afterAll(() => app.close());

const CONSUME_BATCH = `mutation($input: ConsumeCreditsBatchInput!) {
  consumeCreditsBatch(input: $input) {
    succeeded failed
    results {
      index
      consumption { chargedMilliCredits includedQuantity balanceAfterMilliCredits replayed ledgerEntry { id } }
      error { code field message balanceMilliCredits requiredMilliCredits }
    }
  }
}`;

async function fundedAccount(milliCredits: number) {
  const account = await createAccount({ externalId: unique('acct') });
  if (milliCredits > 0) await grantTestCredits({ accountId: account.id, amount: milliCredits });
  return account;
}

async function balanceOf(accountId: string): Promise<number> {
  return (await db.knex('credit_balances').where({ accountId }).first()).balance;
}

async function consumptionsOf(accountId: string) {
  return (
    await db.knex('credit_ledger_entries').where({ accountId, entryType: 'consumption' }).orderBy('id')
  ).map((entry) => [entry.idempotencyKey, entry.amount]);
}

describe('consuming for many accounts in one call', () => {
  it('answers each consumption on its own, and a retried batch with the first results', async () => {
    const [first, short, byExternalId] = [
      await fundedAccount(10_000),
      await fundedAccount(1500),
      await fundedAccount(5000),
    ];
    const consumptions = [
      { accountId: first.id, idempotencyKey: 'k-1', amountMilliCredits: 2000 },
      { accountId: short.id, idempotencyKey: 'k-1', amountMilliCredits: 1000 },
      { accountId: short.id, idempotencyKey: 'k-2', amountMilliCredits: 1000 },
      { externalId: byExternalId.externalId, idempotencyKey: 'k-1', amountMilliCredits: 500 },
      { accountId: '00000000-0000-0000-0000-000000000000', idempotencyKey: 'k-1', amountMilliCredits: 1 },
      { accountId: first.id, idempotencyKey: 'k-2', amountMilliCredits: 0 },
      { accountId: first.id, idempotencyKey: 'k-1', amountMilliCredits: 3000 },
      // The free plan includes 4 medium agent actions a period; each costs 2.5 credits beyond that.
      { accountId: first.id, idempotencyKey: 'k-3', meterKey: 'agent_action.medium', quantity: 5 },
    ];

    const { data, errors } = await app.graphql(CONSUME_BATCH, { input: { consumptions } }, partner);

    expect(errors).toBeUndefined();
    const batch = data!.consumeCreditsBatch;
    expect(batch).toMatchObject({ succeeded: 4, failed: 4 });
    expect(batch.results.map((result: { index: number }) => result.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const [charged, shortFirst, shortSecond, named, unknown, zero, reused, metered] = batch.results;
    expect(charged).toMatchObject({
      consumption: { chargedMilliCredits: 2000, balanceAfterMilliCredits: 8000, replayed: false },
      error: null,
    });
    expect(shortFirst.consumption).toMatchObject({
      chargedMilliCredits: 1000,
      balanceAfterMilliCredits: 500,
    });
    expect(shortSecond).toEqual({
      index: 2,
      consumption: null,
      error: {
        code: 'INSUFFICIENT_CREDITS',
        field: null,
        message: expect.any(String),
        balanceMilliCredits: 500,
        requiredMilliCredits: 1000,
      },
    });
    expect(named.consumption).toMatchObject({ chargedMilliCredits: 500, balanceAfterMilliCredits: 4500 });
    expect(unknown.error).toMatchObject({ code: 'NOT_FOUND', balanceMilliCredits: null });
    expect(zero.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount' });
    expect(reused.error).toMatchObject({ code: 'CONFLICT' });
    expect(metered.consumption).toMatchObject({
      chargedMilliCredits: 2500,
      includedQuantity: 4,
      balanceAfterMilliCredits: 5500,
    });
    expect(await balanceOf(first.id)).toBe(5500);
    expect(await balanceOf(short.id)).toBe(500);
    expect(await balanceOf(byExternalId.id)).toBe(4500);
    expect(await consumptionsOf(short.id)).toEqual([['consumption:k-1', -1000]]);

    // The whole batch again, as a partner does after a timeout: nothing is spent twice.
    const retried = (await app.graphql(CONSUME_BATCH, { input: { consumptions } }, partner)).data!
      .consumeCreditsBatch;
    expect(retried).toMatchObject({ succeeded: 4, failed: 4 });
    batch.results.forEach((result: { consumption: Record<string, unknown> | null }, index: number) => {
      const again = retried.results[index];
      if (result.consumption) expect(again.consumption).toEqual({ ...result.consumption, replayed: true });
      else expect(again.error.code).toBe(batch.results[index].error.code);
    });
    expect(await balanceOf(first.id)).toBe(5500);
    expect(await consumptionsOf(first.id)).toEqual([
      ['consumption:k-1', -2000],
      ['consumption:k-3', -2500],
    ]);
  });

  it('refuses, for that consumption only, an account the key cannot see', async () => {
    const [own, other] = [await fundedAccount(5000), await fundedAccount(5000)];
    const boundKey = {
      apiKey: (await createPartnerKey({ scopes: ['credits:write'], accountId: own.id })).secret,
    };
    const readOnlyKey = {
      apiKey: (await createPartnerKey({ scopes: ['credits:read'], accountId: own.id })).secret,
    };
    const consumptions = [
      { accountId: other.id, idempotencyKey: 'k', amountMilliCredits: 100 },
      { accountId: own.id, idempotencyKey: 'k', amountMilliCredits: 100 },
    ];

    const bound = (await app.graphql(CONSUME_BATCH, { input: { consumptions } }, boundKey)).data!
      .consumeCreditsBatch;
    expect(
      bound.results.map((result: { error: { code: string } | null }) => result.error?.code ?? 'OK'),
    ).toEqual(['NOT_FOUND', 'OK']);
    const readOnly = (await app.graphql(CONSUME_BATCH, { input: { consumptions } }, readOnlyKey)).data!
      .consumeCreditsBatch;
    expect(readOnly.results[1].error).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('credits:write'),
    });
    expect((await app.graphql(CONSUME_BATCH, { input: { consumptions } })).errors?.[0]?.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(await balanceOf(own.id)).toBe(4900);
    expect(await balanceOf(other.id)).toBe(5000);
  });

  it('takes between 1 and 500 consumptions', async () => {
    const account = await fundedAccount(1_000_000);
    const consumptions = (count: number) =>
      Array.from({ length: count }, (_, index) => ({
        accountId: account.id,
        idempotencyKey: `many-${index}`,
        amountMilliCredits: 1,
      }));

    for (const count of [0, MAX_CONSUMPTIONS_PER_BATCH + 1])
      expect(
        (await app.graphql(CONSUME_BATCH, { input: { consumptions: consumptions(count) } }, partner))
          .errors?.[0]?.extensions,
      ).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { consumptions: expect.any(String) } });
    const full = await app.graphql(
      CONSUME_BATCH,
      { input: { consumptions: consumptions(MAX_CONSUMPTIONS_PER_BATCH) } },
      partner,
    );
    expect(full.data!.consumeCreditsBatch).toMatchObject({
      succeeded: MAX_CONSUMPTIONS_PER_BATCH,
      failed: 0,
    });
    expect(await balanceOf(account.id)).toBe(1_000_000 - MAX_CONSUMPTIONS_PER_BATCH);
  });
});
