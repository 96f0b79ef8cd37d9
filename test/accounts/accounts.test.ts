import { API_SCOPES } from '../../server/auth/scopes';
import {
  addMember,
  createAccount,
  createDemoCatalog,
  createMember,
  createPartnerKey,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
let partnerKey: string;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  partnerKey = (await createPartnerKey({ scopes: [...API_SCOPES] })).secret;
});
afterAll(() => app.close());

const UPSERT = `mutation($input: UpsertAccountInput!) {
  upsertAccount(input: $input) { created account { id externalId name billingEmail currency subscription { status plan { key } } creditBalance { milliCredits } } }
}`;

describe('partners provision accounts by their external id', () => {
  it('creates the account on the default plan with an empty credit balance, then updates it idempotently', async () => {
    const externalId = unique('org');
    const first = await app.graphql(
      UPSERT,
      { input: { externalId, name: 'Acme', billingEmail: 'ap@acme.test', currency: 'EUR' } },
      { apiKey: partnerKey },
    );
    expect(first.errors).toBeUndefined();
    expect(first.data!.upsertAccount).toMatchObject({
      created: true,
      account: {
        externalId,
        name: 'Acme',
        billingEmail: 'ap@acme.test',
        currency: 'eur',
        subscription: { status: 'ACTIVE', plan: { key: 'free' } },
        creditBalance: { milliCredits: 0 },
      },
    });

    const again = await app.graphql(
      UPSERT,
      { input: { externalId, name: 'Acme', billingEmail: 'ap@acme.test' } },
      { apiKey: partnerKey },
    );
    expect(again.data!.upsertAccount).toMatchObject({
      created: false,
      account: { id: first.data!.upsertAccount.account.id },
    });

    const renamed = await app.graphql(
      UPSERT,
      { input: { externalId, name: 'Acme Inc.' } },
      { apiKey: partnerKey },
    );
    expect(renamed.data!.upsertAccount.account).toMatchObject({
      name: 'Acme Inc.',
      billingEmail: 'ap@acme.test',
    });
    expect(
      await db
        .knex('subscriptions')
        .where({ accountId: first.data!.upsertAccount.account.id })
        .count<{ count: number }[]>('* as count'),
    ).toEqual([{ count: 1 }]);
  });

  it('creates exactly one account when the same external id arrives many times at once', async () => {
    const externalId = unique('race');
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        app.graphql(UPSERT, { input: { externalId, name: 'Racer' } }, { apiKey: partnerKey }),
      ),
    );
    expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
    expect(results.filter((result) => result.data!.upsertAccount.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.data!.upsertAccount.account.id)).size).toBe(1);
    const account = await db.knex('accounts').where({ externalId }).first();
    expect(
      await db
        .knex('subscriptions')
        .where({ accountId: account.id })
        .count<{ count: number }[]>('* as count'),
    ).toEqual([{ count: 1 }]);
  });

  it('refuses a currency change, bad input and underpowered callers, changing nothing', async () => {
    const externalId = unique('org');
    await app.graphql(UPSERT, { input: { externalId, name: 'Fixed' } }, { apiKey: partnerKey });
    const before = await db.knex('accounts').where({ externalId }).first();

    const currencyChange = await app.graphql(
      UPSERT,
      { input: { externalId, name: 'Fixed', currency: 'gbp' } },
      { apiKey: partnerKey },
    );
    expect(currencyChange.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', currency: 'usd' });

    const invalid = await app.graphql(
      UPSERT,
      { input: { externalId, name: ' ', billingEmail: 'nope', currency: 'dollars' } },
      { apiKey: partnerKey },
    );
    expect(invalid.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: {
        name: 'is required',
        billingEmail: 'is not an email address',
        currency: expect.stringContaining('ISO 4217'),
      },
    });

    const boundKey = (await createPartnerKey({ scopes: ['accounts:write'], accountId: before.id })).secret;
    const readOnlyKey = (await createPartnerKey({ scopes: ['accounts:read'] })).secret;
    const { cookie } = await createMember({ role: 'owner' });
    for (const caller of [{ apiKey: boundKey }, { apiKey: readOnlyKey }, { cookie }]) {
      const refused = await app.graphql(UPSERT, { input: { externalId, name: 'Hijacked' } }, caller);
      expect(refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    }
    const visitor = await app.graphql(UPSERT, { input: { externalId, name: 'Hijacked' } });
    expect(visitor.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');

    expect(await db.knex('accounts').where({ externalId }).first()).toEqual(before);
  });

  it('looks accounts up by external id, and by both only when they agree', async () => {
    const externalId = unique('lookup');
    const account = await createAccount({ externalId, name: 'Lookup' });
    const byExternalId = await app.graphql(
      'query($e: String) { account(externalId: $e) { id name } }',
      { e: externalId },
      { apiKey: partnerKey },
    );
    expect(byExternalId.data!.account).toEqual({ id: account.id, name: 'Lookup' });
    const both = await app.graphql(
      'query($e: String, $id: ID) { account(externalId: $e, id: $id) { id } }',
      { e: externalId, id: account.id },
      { apiKey: partnerKey },
    );
    expect(both.data!.account).toEqual({ id: account.id });
    const mismatched = await app.graphql(
      'query($e: String, $id: ID) { account(externalId: $e, id: $id) { id } }',
      { e: 'somebody-else', id: account.id },
      { apiKey: partnerKey },
    );
    expect(mismatched.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { externalId: expect.any(String) },
    });
    const neither = await app.graphql('{ account { id } }', {}, { apiKey: partnerKey });
    expect(neither.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const unknown = await app.graphql(
      'query($e: String) { account(externalId: $e) { id } }',
      { e: 'nobody' },
      { apiKey: partnerKey },
    );
    expect(unknown.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });
});

describe('members read their own account', () => {
  it('shows the viewer their memberships and each account’s billing state', async () => {
    const { account, user, cookie } = await createMember({ role: 'admin' });
    const { data, errors } = await app.graphql(
      `{ viewer { user { email } isPlatformAdmin memberships { role account { id subscription { status plan { key } } creditBalance { milliCredits } usageSummary { meter { key } quantity included unlimited } invoices { edges { node { id } } pageInfo { hasNextPage } } } } } }`,
      {},
      { cookie },
    );
    expect(errors).toBeUndefined();
    expect(data!.viewer).toMatchObject({ user: { email: user.email }, isPlatformAdmin: false });
    const [membership] = data!.viewer.memberships;
    expect(membership).toMatchObject({
      role: 'ADMIN',
      account: {
        id: account.id,
        subscription: { status: 'ACTIVE', plan: { key: 'free' } },
        creditBalance: { milliCredits: 0 },
      },
    });
    expect(membership.account.usageSummary.find((usage: any) => usage.meter.key === 'executions')).toEqual({
      meter: { key: 'executions' },
      quantity: 0,
      included: 10_000,
      unlimited: false,
    });
    expect(membership.account.invoices).toEqual({ edges: [], pageInfo: { hasNextPage: false } });
  });

  it('gives a plain member read access but not the account’s API keys', async () => {
    const { account, cookie } = await createMember({ role: 'member' });
    const read = await app.graphql(
      'query($id: ID) { account(id: $id) { name } }',
      { id: account.id },
      { cookie },
    );
    expect(read.errors).toBeUndefined();
    const keys = await app.graphql(
      'query($id: ID) { account(id: $id) { apiKeys { id } } }',
      { id: account.id },
      { cookie },
    );
    expect(keys.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });

  it('lets a platform admin read any account', async () => {
    const account = await createAccount();
    const admin = await createUser({ isPlatformAdmin: true });
    const { data } = await app.graphql(
      'query($id: ID) { account(id: $id) { id } }',
      { id: account.id },
      { cookie: await sessionCookieFor(admin) },
    );
    expect(data!.account.id).toBe(account.id);
  });

  it('pages through invoices newest first with opaque cursors', async () => {
    const { account, cookie } = await createMember();
    const issued = Array.from({ length: 5 }, (_, day) => new Date(Date.UTC(2026, 0, day + 1)));
    await db.knex('invoices').insert(
      issued.map((issuedAt, index) => ({
        accountId: account.id,
        stripeInvoiceId: unique('in'),
        number: `INV-${index + 1}`,
        status: 'paid',
        currency: 'usd',
        subtotal: 1000,
        total: 1000,
        amountPaid: 1000,
        issuedAt,
      })),
    );
    const page = (after?: string) =>
      app.graphql(
        'query($id: ID, $after: String) { account(id: $id) { invoices(first: 2, after: $after) { edges { cursor node { number total { amount currency } } } pageInfo { hasNextPage endCursor } } } }',
        { id: account.id, after },
        { cookie },
      );
    const numbers: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 5; pages += 1) {
      const { data } = await page(after);
      const connection = data!.account.invoices;
      numbers.push(...connection.edges.map((edge: any) => edge.node.number));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(numbers).toEqual(['INV-5', 'INV-4', 'INV-3', 'INV-2', 'INV-1']);
    const badCursor = await page('not-a-cursor');
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { after: expect.any(String) },
    });
  });
});

describe('signing in and out', () => {
  const SIGN_IN = 'mutation($input: SignInInput!) { signIn(input: $input) { user { email } } }';

  it('sets a signed httpOnly cookie that identifies the viewer until sign-out', async () => {
    const user = await createUser({ password: 'a long enough password' });
    const signedIn = await app.graphql(SIGN_IN, {
      input: { email: user.email.toUpperCase(), password: 'a long enough password' },
    });
    expect(signedIn.data!.signIn.user.email).toBe(user.email);
    const setCookie = signedIn.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^billing_session=[^;]+\.[^;]+; Path=\/; HttpOnly; SameSite=Lax; Expires=/);
    expect(JSON.stringify(signedIn.data)).not.toContain(
      setCookie.split(';')[0]!.split('=')[1]!.split('.')[0],
    );
    const cookie = setCookie.split(';')[0]!;

    expect((await app.graphql('{ viewer { user { email } } }', {}, { cookie })).data!.viewer.user.email).toBe(
      user.email,
    );
    const tampered = cookie.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    expect(
      (await app.graphql('{ viewer { user { id } } }', {}, { cookie: tampered })).data!.viewer,
    ).toBeNull();

    const signedOut = await app.graphql('mutation { signOut }', {}, { cookie });
    expect(signedOut.headers.get('set-cookie')).toMatch(/billing_session=; .*Max-Age=0/);
    expect((await app.graphql('{ viewer { user { id } } }', {}, { cookie })).data!.viewer).toBeNull();
  });

  it('refuses a wrong password and an unknown email with the same message', async () => {
    const user = await createUser();
    const wrongPassword = await app.graphql(SIGN_IN, { input: { email: user.email, password: 'wrong' } });
    const unknownEmail = await app.graphql(SIGN_IN, {
      input: { email: 'nobody@example.com', password: 'wrong' },
    });
    expect(wrongPassword.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(unknownEmail.errors?.[0]?.message).toBe(wrongPassword.errors?.[0]?.message);
    expect(wrongPassword.headers.get('set-cookie')).toBeNull();
  });

  it('lists every account a user belongs to, with the role in each', async () => {
    const { account: first, user } = await createMember();
    const second = await createAccount();
    await addMember({ accountId: second.id, user, role: 'member' });
    const { data } = await app.graphql(
      '{ viewer { memberships { role account { id } } } }',
      {},
      { cookie: await sessionCookieFor(user) },
    );
    expect(data!.viewer.memberships).toEqual([
      { role: 'OWNER', account: { id: first.id } },
      { role: 'MEMBER', account: { id: second.id } },
    ]);
  });
});
