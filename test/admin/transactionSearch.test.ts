import {
  createAccount,
  createDemoCatalog,
  createMember,
  createPartnerKey,
  createPayment,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

/**
 * The admin console's platform-wide payments and invoices: "where is the charge of Acme?", "which euro
 * refunds above 50 were made in March?", "which invoice is in_123?", newest first, page by page.
 */
const db = useTestDatabase();
let app: TestApp;
let admin: { cookie: string };
const tag = unique('shop');
const at = (iso: string) => new Date(iso);
let acme: { id: string; name: string };
let globex: { id: string; name: string };

const PAYMENTS = `query($filter: AdminPaymentFilter, $first: Int, $after: String) {
  adminPayments(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id description status type amount { amount currency } } account { id name } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const INVOICES = `query($filter: AdminInvoiceFilter, $first: Int, $after: String) {
  adminInvoices(filter: $filter, first: $first, after: $after) {
    edges { node { id number status total { amount currency } hostedInvoiceUrl } account { id name } }
    pageInfo { hasNextPage endCursor }
  }
}`;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
  acme = await createAccount({ name: `${tag} Acme`, billingEmail: `billing@${tag}-acme.test` });
  globex = await createAccount({ name: `${tag} Globex`, externalId: `${tag}-globex` });
  const packageId = (await db.knex('creditPackages').first()).id;
  const acmeCharge = await createPayment({
    accountId: acme.id,
    description: 'acme pro',
    amount: 2999,
    stripePaymentIntentId: `pi_${tag}_acme`,
    stripeChargeId: `ch_${tag}_acme`,
    createdAt: at('2026-03-02T00:00:00Z'),
  });
  await createPayment({
    accountId: acme.id,
    description: 'acme credits',
    type: 'credit_top_up',
    amount: 1000,
    credits: 10_000,
    creditPackageId: packageId,
    createdAt: at('2026-03-05T00:00:00Z'),
  });
  await createPayment({
    accountId: acme.id,
    description: 'acme refund',
    type: 'refund',
    amount: 500,
    refundedPaymentId: acmeCharge.id,
    stripePaymentIntentId: null,
    stripeRefundId: `re_${tag}_acme`,
    createdAt: at('2026-03-06T00:00:00Z'),
  });
  await createPayment({
    accountId: globex.id,
    description: 'globex euro',
    currency: 'eur',
    amount: 9000,
    createdAt: at('2026-02-10T00:00:00Z'),
  });
  await createPayment({
    accountId: globex.id,
    description: 'globex failed',
    status: 'failed',
    amount: 4900,
    completedAt: null,
    createdAt: at('2026-03-10T00:00:00Z'),
  });
  const invoice = (accountId: string, fields: Record<string, unknown>) => ({
    accountId,
    status: 'paid',
    currency: 'usd',
    subtotal: fields.total,
    issuedAt: fields.createdAt,
    ...fields,
  });
  const [paid] = await db
    .knex('invoices')
    .insert([
      invoice(acme.id, {
        stripeInvoiceId: `in_${tag}_1`,
        number: `${tag}-0001`,
        total: 2999,
        hostedInvoiceUrl: 'https://invoice.stripe.test/acme',
        createdAt: at('2026-03-02T00:00:00Z'),
      }),
      invoice(globex.id, {
        stripeInvoiceId: `in_${tag}_2`,
        number: `${tag}-0002`,
        status: 'open',
        total: 4900,
        currency: 'eur',
        createdAt: at('2026-03-10T00:00:00Z'),
      }),
    ])
    .returning('id');
  await db.knex('payments').where({ id: acmeCharge.id }).update({ invoiceId: paid.id });
});
afterAll(() => app.close());

async function payments(filter: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const { data, errors } = await app.graphql(
    PAYMENTS,
    { filter: { search: tag, ...filter }, ...extra },
    admin,
  );
  expect(errors).toBeUndefined();
  return data!.adminPayments as {
    edges: Array<{ node: { description: string }; account: { name: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
const descriptions = async (filter: Record<string, unknown>) =>
  (await payments(filter)).edges.map((edge) => edge.node.description);

describe('searching every account’s payments', () => {
  it('finds an account’s payments by its name, newest first, with the account', async () => {
    const page = await payments({ search: `${tag} acme` });
    expect(page.edges.map((edge) => edge.node.description)).toEqual([
      'acme refund',
      'acme credits',
      'acme pro',
    ]);
    expect(page.edges.every((edge) => edge.account.name === acme.name)).toBe(true);
    expect(await descriptions({ search: `billing@${tag}-ACME` })).toHaveLength(3);
    expect(await descriptions({ search: `${tag}-globex` })).toEqual(['globex failed', 'globex euro']);
  });

  it('finds a payment by the Stripe ids it carries, exactly', async () => {
    expect(await descriptions({ search: `pi_${tag}_acme` })).toEqual(['acme pro']);
    expect(await descriptions({ search: `ch_${tag}_acme` })).toEqual(['acme pro']);
    expect(await descriptions({ search: `re_${tag}_acme` })).toEqual(['acme refund']);
    expect(await descriptions({ search: `pi_${tag}_acm` })).toEqual([]);
  });

  it('filters by status, currency, kind, amount and date', async () => {
    expect(await descriptions({ status: 'FAILED' })).toEqual(['globex failed']);
    expect(await descriptions({ currency: 'EUR' })).toEqual(['globex euro']);
    expect(await descriptions({ kind: 'REFUND' })).toEqual(['acme refund']);
    expect(await descriptions({ kind: 'CREDIT_PURCHASE' })).toEqual(['acme credits']);
    expect(await descriptions({ kind: 'SUBSCRIPTION' })).toEqual([
      'globex failed',
      'acme pro',
      'globex euro',
    ]);
    expect(await descriptions({ amountMin: 1000, amountMax: 4900 })).toEqual([
      'globex failed',
      'acme credits',
      'acme pro',
    ]);
    expect(await descriptions({ from: '2026-03-02T00:00:00Z', to: '2026-03-06T00:00:00Z' })).toEqual([
      'acme credits',
      'acme pro',
    ]);
  });

  it('pages with a stable cursor, newest first', async () => {
    const first = await payments({}, { first: 2 });
    expect(first.edges.map((edge) => edge.node.description)).toEqual(['globex failed', 'acme refund']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    await createPayment({
      accountId: acme.id,
      description: `${tag} newest`,
      createdAt: at('2026-04-01T00:00:00Z'),
    });
    const second = await payments({}, { first: 2, after: first.pageInfo.endCursor });
    expect(second.edges.map((edge) => edge.node.description)).toEqual(['acme credits', 'acme pro']);
    const third = await payments({}, { first: 2, after: second.pageInfo.endCursor });
    expect(third.edges.map((edge) => edge.node.description)).toEqual(['globex euro']);
    expect(third.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses filters that can match nothing, naming the field', async () => {
    const refusal = async (filter: Record<string, unknown>) => {
      const { errors } = await app.graphql(PAYMENTS, { filter }, admin);
      return errors?.[0]?.extensions;
    };
    expect(await refusal({ amountMin: 500, amountMax: 100 })).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { 'filter.amountMax': 'must be at least the minimum amount' },
    });
    expect(await refusal({ from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' })).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { 'filter.to': 'must be after from' },
    });
    expect(await refusal({ amountMin: -1 })).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { 'filter.amountMin': 'is at least 0' },
    });
    expect(await refusal({ currency: 'dollars' })).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { 'filter.currency': 'is not an ISO 4217 currency code' },
    });
    expect((await refusal({ status: 'LOST' }))?.code).toBe('BAD_USER_INPUT');
    expect((await refusal({ from: '2026-02-30T00:00:00Z' }))?.code).toBe('BAD_USER_INPUT');
  });
});

describe('searching every account’s invoices', () => {
  const numbers = async (filter: Record<string, unknown>) => {
    const { data, errors } = await app.graphql(INVOICES, { filter: { search: tag, ...filter } }, admin);
    expect(errors).toBeUndefined();
    return data!.adminInvoices.edges.map((edge: { node: { number: string } }) => edge.node.number);
  };

  it('finds invoices by account, number, Stripe id or the payment that paid them', async () => {
    expect(await numbers({})).toEqual([`${tag}-0002`, `${tag}-0001`]);
    expect(await numbers({ search: `${tag} Acme` })).toEqual([`${tag}-0001`]);
    expect(await numbers({ search: `${tag}-0002` })).toEqual([`${tag}-0002`]);
    expect(await numbers({ search: `in_${tag}_1` })).toEqual([`${tag}-0001`]);
    expect(await numbers({ search: `pi_${tag}_acme` })).toEqual([`${tag}-0001`]);
    expect(await numbers({ search: `ch_${tag}_acme` })).toEqual([`${tag}-0001`]);
  });

  it('filters by status, currency, total and date, and links to Stripe’s page and the account', async () => {
    expect(await numbers({ status: 'OPEN' })).toEqual([`${tag}-0002`]);
    expect(await numbers({ currency: 'usd' })).toEqual([`${tag}-0001`]);
    expect(await numbers({ amountMin: 3000 })).toEqual([`${tag}-0002`]);
    expect(await numbers({ to: '2026-03-05T00:00:00Z' })).toEqual([`${tag}-0001`]);
    const { data } = await app.graphql(INVOICES, { filter: { search: `${tag}-0001` } }, admin);
    expect(data!.adminInvoices.edges[0]).toMatchObject({
      node: {
        hostedInvoiceUrl: 'https://invoice.stripe.test/acme',
        total: { amount: 2999, currency: 'usd' },
      },
      account: { id: acme.id, name: acme.name },
    });
  });

  it('refuses an amount range that can match nothing', async () => {
    const { errors } = await app.graphql(INVOICES, { filter: { amountMin: 10, amountMax: 9 } }, admin);
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { 'filter.amountMax': 'must be at least the minimum amount' },
    });
  });
});

describe('who may search', () => {
  it('refuses account owners and partner keys, and the payments and invoices stay unseen', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    const key = await createPartnerKey({ scopes: ['billing:read', 'accounts:read'] });
    for (const caller of [{ cookie }, { apiKey: key.secret }]) {
      for (const operation of [PAYMENTS, INVOICES]) {
        const { data, errors } = await app.graphql(operation, {}, caller);
        expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(data).toBeNull();
      }
    }
  });
});
