import { API_SCOPES } from '../../server/auth/scopes';
import {
  createAccount,
  createMember,
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

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});
afterAll(() => app.close());

const ADJUST = `mutation($input: AdjustCreditsInput!) {
  adjustCredits(input: $input) { replayed ledgerEntry { type amountMilliCredits balanceAfterMilliCredits description } grant { source remainingMilliCredits } }
}`;

async function stateOf(accountId: string) {
  return {
    balance: (await db.knex('credit_balances').where({ accountId }).first()).balance,
    ledger: await db.knex('credit_ledger_entries').where({ accountId }).orderBy('id'),
    audit: await db.knex('audit_log').where({ accountId, action: 'credits.adjusted' }),
  };
}

describe('manual credit adjustments', () => {
  it('add credits as a grant, with the reason in the ledger and the audit log', async () => {
    const account = await createAccount();
    const input = {
      accountId: account.id,
      amountMilliCredits: 25_000,
      reason: 'Goodwill after the outage',
      idempotencyKey: 'goodwill-1',
    };
    const { data, errors } = await app.graphql(ADJUST, { input }, admin);
    expect(errors).toBeUndefined();
    expect(data!.adjustCredits).toEqual({
      replayed: false,
      ledgerEntry: {
        type: 'ADJUSTMENT',
        amountMilliCredits: 25_000,
        balanceAfterMilliCredits: 25_000,
        description: 'Goodwill after the outage',
      },
      grant: { source: 'MANUAL_ADJUSTMENT', remainingMilliCredits: 25_000 },
    });
    expect((await app.graphql(ADJUST, { input }, admin)).data!.adjustCredits.replayed).toBe(true);

    const { balance, ledger, audit } = await stateOf(account.id);
    expect(balance).toBe(25_000);
    expect(ledger).toHaveLength(1);
    expect(audit).toEqual([
      expect.objectContaining({
        actorType: 'user',
        reason: 'Goodwill after the outage',
        targetId: String(ledger[0].id),
      }),
    ]);
  });

  it('take credits away, but never below zero', async () => {
    const account = await createAccount();
    await grantTestCredits({ accountId: account.id, amount: 3000 });
    const take = (amountMilliCredits: number) =>
      app.graphql(
        ADJUST,
        {
          input: {
            accountId: account.id,
            amountMilliCredits,
            reason: 'Chargeback',
            idempotencyKey: unique('adj'),
          },
        },
        admin,
      );

    expect((await take(-2000)).data!.adjustCredits).toMatchObject({
      ledgerEntry: { amountMilliCredits: -2000, balanceAfterMilliCredits: 1000 },
      grant: null,
    });
    const before = await stateOf(account.id);
    const refused = await take(-1001);
    expect(refused.errors?.[0]?.extensions).toEqual({
      code: 'INSUFFICIENT_CREDITS',
      balance: 1000,
      required: 1001,
    });
    expect(await stateOf(account.id)).toEqual(before);
  });

  it('are for platform admins only, with a reason', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const input = {
      accountId: account.id,
      amountMilliCredits: 1000,
      reason: 'x',
      idempotencyKey: unique('adj'),
    };
    const partnerKey = { apiKey: (await createPartnerKey({ scopes: [...API_SCOPES] })).secret };
    expect((await app.graphql(ADJUST, { input }, { cookie })).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await app.graphql(ADJUST, { input }, partnerKey)).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(
      (await app.graphql(ADJUST, { input: { ...input, reason: '  ' } }, admin)).errors?.[0]?.extensions,
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { reason: 'is required' },
    });
    expect(
      (await app.graphql(ADJUST, { input: { ...input, amountMilliCredits: 0 } }, admin)).errors?.[0]
        ?.extensions.fieldErrors,
    ).toEqual({ amount: 'must not be zero' });
    expect(await stateOf(account.id)).toMatchObject({ balance: 0, ledger: [], audit: [] });
  });
});
