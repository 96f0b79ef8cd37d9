import { Router } from 'express';
import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createDatabase, type Database } from '../../server/db/knex';
import type { RateLimitRules } from '../../server/rateLimits/rules';
import type { WebHandlerFactory } from '../../server/web/webHandler';
import { createPartnerKey, createUser, sessionCookieFor, TEST_PASSWORD } from '../factories';
import { useTestDatabase } from '../support/database';
import { GENEROUS_RATE_LIMITS, startTestApp, type TestApp } from '../support/testApp';

/**
 * Request limits per API key, per user and per client address, counted in Postgres: two processes of
 * the service (two apps, each with its own connection pool, on one database) share every count.
 */
const db = useTestDatabase();
const RULES: RateLimitRules = {
  ...GENEROUS_RATE_LIMITS,
  ip: { points: 6, durationSeconds: 60 },
  apiKey: { points: 5, durationSeconds: 60 },
  user: { points: 5, durationSeconds: 60 },
  signIn: { points: 3, durationSeconds: 15 * 60 },
  signUp: { points: 3, durationSeconds: 60 * 60 },
  passwordReset: { points: 3, durationSeconds: 60 * 60 },
};

/** A page of the web app, as the real one asks the API: in-process, as the session's user. */
const VIEWER = parse('{ viewer { user { email } } }') as TypedDocumentNode<unknown, Record<string, never>>;
const viewerPage: WebHandlerFactory = async ({ executeGraphQL, pageLimit }) => ({
  handle: Router().get('/page', pageLimit, async (req, res) => {
    res.json(await executeGraphQL(VIEWER, {}, { request: req, response: res }));
  }),
  close: async () => undefined,
});

let secondDatabase: Database;
let first: TestApp;
let second: TestApp;

beforeAll(async () => {
  secondDatabase = createDatabase({ connectionString: db.connectionString, poolMax: 5 });
  // Behind one proxy, as on a load balancer: each test speaks from an address of its own.
  const options = { rateLimitRules: RULES, trustProxy: 1, webHandler: viewerPage };
  first = await startTestApp({ database: db.knex, ...options });
  second = await startTestApp({ database: secondDatabase, ...options });
});
afterAll(async () => {
  await first.close();
  await second.close();
  await secondDatabase.destroy();
});

let addresses = 0;
const newClientAddress = () => `203.0.113.${(addresses += 1)}`;

async function graphql(
  app: TestApp,
  query: string,
  {
    from,
    apiKey,
    cookie,
    variables = {},
  }: { from: string; apiKey?: string; cookie?: string; variables?: object },
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-for': from };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (cookie) headers.cookie = cookie;
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: Array<{ extensions: Record<string, any> }> };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}

const PLANS = '{ plans { key } }';
const codeOf = (answer: Awaited<ReturnType<typeof graphql>>) => answer.body.errors?.[0]?.extensions.code;

/** The answer of a refusal: 429 (when the whole request is refused), RATE_LIMITED and when to retry. */
function expectRateLimited(answer: Awaited<ReturnType<typeof graphql>>, status = 429) {
  expect(answer.status).toBe(status);
  const extensions = answer.body.errors![0]!.extensions;
  expect(extensions.code).toBe('RATE_LIMITED');
  expect(extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(extensions.retryAfterSeconds).toBeLessThanOrEqual(60 * 60);
  expect(answer.retryAfter).toBe(String(extensions.retryAfterSeconds));
}

describe('per client address', () => {
  it('counts the requests of both processes together, then answers 429 with Retry-After', async () => {
    const from = newClientAddress();
    for (let request = 0; request < RULES.ip.points; request += 1) {
      const answer = await graphql(request % 2 === 0 ? first : second, PLANS, { from });
      expect(answer.status).toBe(200);
    }
    expectRateLimited(await graphql(first, PLANS, { from }));
    expectRateLimited(await graphql(second, PLANS, { from }));
    expect((await graphql(first, PLANS, { from: newClientAddress() })).status).toBe(200);

    const page = await fetch(`${second.url}/page`, { headers: { 'x-forwarded-for': from } });
    expect(page.status).toBe(429);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await page.text()).toMatch(/^Too many requests from your address/);
  });

  it('is not escaped by naming another address in X-Forwarded-For when no proxy is trusted', async () => {
    const direct = await startTestApp({
      database: db.knex,
      rateLimitRules: { ...RULES, ip: { points: 3, durationSeconds: 60 } },
    });
    try {
      const answers = [];
      for (let request = 0; request < 4; request += 1)
        answers.push(await graphql(direct, PLANS, { from: newClientAddress() }));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    } finally {
      await direct.close();
    }
  });

  it('charges a request with a bad API key to its address, so keys cannot be tried at speed', async () => {
    const from = newClientAddress();
    for (let request = 0; request < RULES.ip.points; request += 1) {
      const answer = await graphql(request % 2 === 0 ? first : second, PLANS, {
        from,
        apiKey: 'bsk_nope_nope',
      });
      expect(answer.status).toBe(401);
    }
    expectRateLimited(await graphql(first, PLANS, { from, apiKey: 'bsk_nope_nope' }));
  });
});

describe('per API key', () => {
  it('counts a key across both processes and wherever it calls from, and not its address', async () => {
    const { secret } = await createPartnerKey({ scopes: ['accounts:read'] });
    const { secret: otherKey } = await createPartnerKey({ scopes: ['accounts:read'] });
    const from = newClientAddress();
    for (let request = 0; request < RULES.apiKey.points; request += 1) {
      const answer = await graphql(request % 2 === 0 ? first : second, PLANS, {
        from: request < 2 ? from : newClientAddress(),
        apiKey: secret,
      });
      expect(answer.status).toBe(200);
    }
    expectRateLimited(await graphql(second, PLANS, { from, apiKey: secret }));
    expect((await graphql(first, PLANS, { from, apiKey: otherKey })).status).toBe(200);
    expect((await graphql(first, PLANS, { from })).status).toBe(200);
  });

  it('lets exactly its limit through when many requests arrive at once on both processes', async () => {
    const { apiKey, secret } = await createPartnerKey({ scopes: ['accounts:read'] });
    const sent = 24;
    const answers = await Promise.all(
      Array.from({ length: sent }, (_, request) =>
        graphql(request % 2 === 0 ? first : second, PLANS, { from: newClientAddress(), apiKey: secret }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(RULES.apiKey.points);
    for (const refused of answers.filter((answer) => answer.status !== 200)) expectRateLimited(refused);
    // Requests counted together still count one each, the refused ones included.
    const counter = await db
      .knex('rateLimitCounters')
      .where({ key: `apiKey:${apiKey.id}` })
      .first();
    expect(counter.points).toBe(sent);
  });
});

describe('per signed-in user', () => {
  it('counts their operations over HTTP and in the web app’s pages together', async () => {
    const user = await createUser();
    const cookie = await sessionCookieFor(user);
    for (let request = 0; request < 3; request += 1)
      expect((await graphql(first, PLANS, { from: newClientAddress(), cookie })).status).toBe(200);
    for (let request = 0; request < 2; request += 1) {
      const page = await fetch(`${second.url}/page`, {
        headers: { cookie, 'x-forwarded-for': newClientAddress() },
      });
      expect(await page.json()).toMatchObject({ data: { viewer: { user: { email: user.email } } } });
    }
    expectRateLimited(await graphql(second, PLANS, { from: newClientAddress(), cookie }));
    const page = await fetch(`${first.url}/page`, {
      headers: { cookie, 'x-forwarded-for': newClientAddress() },
    });
    expect(await page.json()).toMatchObject({
      data: null,
      errors: [{ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } }],
    });
  });
});

describe('the stricter limits of visitors’ forms', () => {
  const SIGN_IN = 'mutation($input: SignInInput!) { signIn(input: $input) { user { email } } }';
  const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) }';
  const RESET = 'mutation($email: String!) { requestPasswordReset(email: $email) }';
  const cases: Array<[string, string, () => Promise<object>, number]> = [
    [
      'sign-in',
      SIGN_IN,
      async () => ({ input: { email: (await createUser()).email, password: `${TEST_PASSWORD}?` } }),
      RULES.signIn.points,
    ],
    [
      'sign-up',
      SIGN_UP,
      async () => ({
        input: { email: `new-${addresses}@example.com`, password: 'short', name: 'A', accountName: 'B' },
      }),
      RULES.signUp.points,
    ],
    ['password reset', RESET, async () => ({ email: 'someone@example.com' }), RULES.passwordReset.points],
  ];

  it.each(cases)('count %s per client address, across processes', async (_form, query, input, limit) => {
    const from = newClientAddress();
    for (let attempt = 0; attempt < limit; attempt += 1) {
      const answer = await graphql(attempt % 2 === 0 ? first : second, query, {
        from,
        variables: await input(),
      });
      expect(codeOf(answer)).not.toBe('RATE_LIMITED');
    }
    // The request itself is fine; the operation is refused, so the answer is GraphQL's 200.
    const refused = await graphql(second, query, { from, variables: await input() });
    expectRateLimited(refused, 200);
    expect(refused.body.data).toBeNull();
    expect(
      codeOf(await graphql(first, query, { from: newClientAddress(), variables: await input() })),
    ).not.toBe('RATE_LIMITED');
  });

  it('lets a right password in under the limit and counts it', async () => {
    const user = await createUser();
    const from = newClientAddress();
    for (let attempt = 0; attempt < RULES.signIn.points; attempt += 1) {
      const answer = await graphql(first, SIGN_IN, {
        from,
        variables: { input: { email: user.email, password: TEST_PASSWORD } },
      });
      expect(answer.body.data?.signIn.user.email).toBe(user.email);
    }
    expectRateLimited(
      await graphql(first, SIGN_IN, {
        from,
        variables: { input: { email: user.email, password: TEST_PASSWORD } },
      }),
      200,
    );
  });
});
