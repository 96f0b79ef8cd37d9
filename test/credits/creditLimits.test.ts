import { describeActor, systemActor } from '../../server/auth/actor';
import { ledgerKey, withAccountLedger } from '../../server/credits/accountLedger';
import { CreditGrant } from '../../server/credits/CreditGrant';
import { MAX_CREDIT_AMOUNT, MAX_CREDIT_BALANCE } from '../../server/credits/creditLimits';
import {
  createAccount,
  createDemoCatalog,
  createPartnerKey,
  createUser,
  grantTestCredits,
  sessionCookieFor,
  unique,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type Caller, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let admin: Caller;
let partner: Caller;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
  partner = { apiKey: (await createPartnerKey({ scopes: ['credits:write', 'credits:read'] })).secret };
});
afterAll(() => app.close());

const ADJUST = `mutation($input: AdjustCreditsInput!) {
  adjustCredits(input: $input) { replayed ledgerEntry { amountMilliCredits balanceAfterMilliCredits } } }`;
const CONSUME = `mutation($input: ConsumeCreditsInput!) {
  consumeCredits(input: $input) { chargedMilliCredits balanceAfterMilliCredits replayed } }`;
const BALANCE = `query($id: ID) { account(id: $id) { creditBalance { milliCredits } } }`;

async function creditState(accountId: string) {
  return {
    balance: (await db.knex('credit_balances').where({ accountId }).first())?.balance ?? 0,
    entries: await db.knex('credit_ledger_entries').where({ accountId }).orderBy('id'),
    consumptions: await db.knex('metered_credit_consumptions').where({ accountId }),
  };
}

describe('limits on credit amounts', () => {
  it('refuses an adjustment beyond what one operation may move with a typed error, and the account stays readable', async () => {
    const account = await createAccount();
    await grantTestCredits({ accountId: account.id, amount: 5000 });
    const before = await creditState(account.id);
    for (const amountMilliCredits of [
      Number.MAX_SAFE_INTEGER,
      MAX_CREDIT_AMOUNT + 1,
      -Number.MAX_SAFE_INTEGER,
    ]) {
      const refused = await app.graphql(
        ADJUST,
        {
          input: { accountId: account.id, amountMilliCredits, reason: 'typo', idempotencyKey: unique('adj') },
        },
        admin,
      );
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { amount: expect.stringMatching(/^is at (most|least) -?1000000000000 milli-credits$/) },
      });
    }
    expect(await creditState(account.id)).toEqual(before);
    const read = await app.graphql(BALANCE, { id: account.id }, admin);
    expect(read.data!.account.creditBalance).toEqual({ milliCredits: 5000 });
  });

  it('keeps a balance below the most an account may hold', async () => {
    const account = await createAccount();
    // A thousand grants of the largest amount, in one transaction of the ledger: the most an account may hold.
    const at = new Date();
    await withAccountLedger({ accountId: account.id }, async (ledger) => {
      const grants = await CreditGrant.query(ledger.trx).insert(
        Array.from({ length: MAX_CREDIT_BALANCE / MAX_CREDIT_AMOUNT }, () => ({
          accountId: account.id,
          source: 'promotion' as const,
          amount: MAX_CREDIT_AMOUNT,
          remaining: MAX_CREDIT_AMOUNT,
          createdAt: at,
        })),
      );
      for (const grant of grants)
        ledger.credit(grant, {
          entryType: 'grant',
          at,
          actor: describeActor(systemActor('test')),
          idempotencyKey: ledgerKey('grant', grant.id),
        });
      await ledger.commit();
    });
    const refused = await app.graphql(
      ADJUST,
      {
        input: {
          accountId: account.id,
          amountMilliCredits: 1,
          reason: 'one more',
          idempotencyKey: unique('adj'),
        },
      },
      admin,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { amount: expect.stringContaining('the most an account may hold') },
    });
    const read = await app.graphql(BALANCE, { id: account.id }, admin);
    expect(read.data!.account.creditBalance).toEqual({ milliCredits: MAX_CREDIT_BALANCE });
  });

  it('refuses a consumption beyond what one operation may charge, by amount or by meter', async () => {
    const account = await createAccount();
    await grantTestCredits({ accountId: account.id, amount: 5000 });
    const before = await creditState(account.id);
    const consume = (input: Record<string, unknown>) =>
      app.graphql(
        CONSUME,
        { input: { accountId: account.id, idempotencyKey: unique('k'), ...input } },
        partner,
      );
    expect(
      (await consume({ amountMilliCredits: Number.MAX_SAFE_INTEGER })).errors?.[0]?.extensions,
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { amount: 'is at most 1000000000000 milli-credits' },
    });
    expect(
      (await consume({ meterKey: 'agent_action.xl', quantity: Number.MAX_SAFE_INTEGER })).errors?.[0]
        ?.extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { quantity: 'is at most 1000000000' } });
    // 15 credits an action: a billion actions would cost more than one consumption may charge.
    expect(
      (await consume({ meterKey: 'agent_action.xl', quantity: 1_000_000_000 })).errors?.[0]?.extensions,
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { quantity: expect.stringContaining('costs more than the 1000000000000 milli-credits') },
    });
    expect(await creditState(account.id)).toEqual(before);
  });
});

describe('an idempotency key of the ledger reused with different content', () => {
  it('is a CONFLICT for an adjustment with another reason', async () => {
    const account = await createAccount();
    const input = {
      accountId: account.id,
      amountMilliCredits: 1000,
      reason: 'Goodwill',
      idempotencyKey: unique('adj'),
    };
    expect((await app.graphql(ADJUST, { input }, admin)).errors).toBeUndefined();
    const before = await creditState(account.id);
    const otherReason = await app.graphql(ADJUST, { input: { ...input, reason: 'Another reason' } }, admin);
    expect(otherReason.errors?.[0]?.extensions.code).toBe('CONFLICT');
    expect((await app.graphql(ADJUST, { input }, admin)).data!.adjustCredits.replayed).toBe(true);
    expect(await creditState(account.id)).toEqual(before);
  });

  it('is a CONFLICT for a consumption with another description, by amount or by meter', async () => {
    const account = await createAccount();
    await grantTestCredits({ accountId: account.id, amount: 100_000 });
    for (const request of [
      { amountMilliCredits: 1000, description: null },
      { meterKey: 'agent_action.small', quantity: 2, description: null },
      { amountMilliCredits: 1000, description: 'Run 7' },
    ]) {
      const input = { accountId: account.id, idempotencyKey: unique('k'), ...request };
      expect((await app.graphql(CONSUME, { input }, partner)).errors).toBeUndefined();
      const before = await creditState(account.id);
      for (const description of ['Run 8', null].filter((other) => other !== request.description)) {
        const reused = await app.graphql(CONSUME, { input: { ...input, description } }, partner);
        expect(reused.errors?.[0]?.extensions.code).toBe('CONFLICT');
      }
      expect((await app.graphql(CONSUME, { input }, partner)).data!.consumeCredits.replayed).toBe(true);
      expect(await creditState(account.id)).toEqual(before);
    }
  });
});
