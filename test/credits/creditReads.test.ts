import { systemActor } from '../../server/auth/actor';
import { consumeCredits } from '../../server/credits/consumption';
import { createMember, createPartnerKey, grantTestCredits, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

const LEDGER = `query($id: ID, $first: Int, $after: String, $entryTypes: [CreditLedgerEntryType!], $from: DateTime, $to: DateTime) {
  account(id: $id) {
    creditLedger(first: $first, after: $after, entryTypes: $entryTypes, from: $from, to: $to) {
      edges { cursor node { type amountMilliCredits balanceAfterMilliCredits } } pageInfo { hasNextPage endCursor }
    }
  }
}`;
const GRANTS = `query($id: ID) { account(id: $id) { creditGrants { source amountMilliCredits remainingMilliCredits priority expiresAt } } }`;

async function accountWithHistory() {
  const member = await createMember({ role: 'member' });
  await grantTestCredits({ accountId: member.account.id, amount: 10_000 });
  for (const amount of [1000, 2000, 3000]) {
    await consumeCredits({
      actor: systemActor('test'),
      accountId: member.account.id,
      idempotencyKey: unique('c'),
      amount,
    });
  }
  return member;
}

describe('the credit ledger', () => {
  it('pages newest first with cursors, and filters by entry type and date', async () => {
    const { account, cookie } = await accountWithHistory();
    const read = async (variables: Record<string, unknown>) =>
      (await app.graphql(LEDGER, { id: account.id, ...variables }, { cookie })).data!.account.creditLedger;

    const firstPage = await read({ first: 3 });
    expect(firstPage.edges.map((edge: any) => edge.node)).toEqual([
      { type: 'CONSUMPTION', amountMilliCredits: -3000, balanceAfterMilliCredits: 4000 },
      { type: 'CONSUMPTION', amountMilliCredits: -2000, balanceAfterMilliCredits: 7000 },
      { type: 'CONSUMPTION', amountMilliCredits: -1000, balanceAfterMilliCredits: 9000 },
    ]);
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const secondPage = await read({ first: 3, after: firstPage.pageInfo.endCursor });
    expect(secondPage).toMatchObject({
      edges: [{ node: { type: 'GRANT', amountMilliCredits: 10_000 } }],
      pageInfo: { hasNextPage: false },
    });

    expect((await read({ entryTypes: ['GRANT'] })).edges).toHaveLength(1);
    expect((await read({ from: new Date(Date.now() + 60_000) })).edges).toEqual([]);
    expect((await read({ to: new Date(Date.now() + 60_000) })).edges).toHaveLength(4);

    const badCursor = await app.graphql(LEDGER, { id: account.id, after: 'nonsense' }, { cookie });
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { after: expect.any(String) },
    });
    const tooMany = await app.graphql(LEDGER, { id: account.id, first: 101 }, { cookie });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { first: 'must be between 1 and 100' },
    });
  });
});

describe('credit grants', () => {
  it('lists the grants that still hold credits, in spending order', async () => {
    const { account, cookie } = await createMember();
    const expiresAt = new Date(Date.now() + 86_400_000);
    await grantTestCredits({ accountId: account.id, amount: 5000, priority: 10, source: 'purchase' });
    await grantTestCredits({ accountId: account.id, amount: 2000, expiresAt, source: 'plan_allowance' });
    await grantTestCredits({ accountId: account.id, amount: 1000, source: 'promotion' });
    await consumeCredits({
      actor: systemActor('test'),
      accountId: account.id,
      idempotencyKey: 'c',
      amount: 2500,
    });

    const { data } = await app.graphql(GRANTS, { id: account.id }, { cookie });
    expect(data!.account.creditGrants).toEqual([
      {
        source: 'PROMOTION',
        amountMilliCredits: 1000,
        remainingMilliCredits: 500,
        priority: 0,
        expiresAt: null,
      },
      {
        source: 'PURCHASE',
        amountMilliCredits: 5000,
        remainingMilliCredits: 5000,
        priority: 10,
        expiresAt: null,
      },
    ]);
  });

  it('needs credits:read for partner keys', async () => {
    const { account } = await accountWithHistory();
    const reader = {
      apiKey: (await createPartnerKey({ scopes: ['accounts:read', 'credits:read'], accountId: account.id }))
        .secret,
    };
    const usageOnly = {
      apiKey: (await createPartnerKey({ scopes: ['accounts:read', 'usage:read'], accountId: account.id }))
        .secret,
    };
    expect(
      (await app.graphql(LEDGER, { id: account.id }, reader)).data!.account.creditLedger.edges,
    ).toHaveLength(4);
    expect((await app.graphql(GRANTS, { id: account.id }, reader)).errors).toBeUndefined();
    expect((await app.graphql(LEDGER, { id: account.id }, usageOnly)).errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining('credits:read'),
    });
    expect((await app.graphql(GRANTS, { id: account.id }, usageOnly)).errors?.[0]?.extensions.code).toBe(
      'FORBIDDEN',
    );
  });
});
