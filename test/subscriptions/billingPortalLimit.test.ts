import { createMember } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { GENEROUS_RATE_LIMITS, startTestApp, type TestApp } from '../support/testApp';

/** Opening Stripe's billing portal is limited per user (RATE_LIMIT_BILLING_PORTAL), on every process. */
const stack = useBillingStack();
const PORTAL_LIMIT = 2;
let limited: TestApp;

beforeAll(async () => {
  limited = await startTestApp({
    database: stack.knex,
    rateLimitRules: { ...GENEROUS_RATE_LIMITS, billingPortal: { points: PORTAL_LIMIT, durationSeconds: 60 } },
  });
});
afterAll(() => limited.close());

const OPEN_PORTAL = 'mutation($input: OpenBillingPortalInput!) { openBillingPortal(input: $input) { url } }';

it('opens the portal up to the limit per user, then says when to try again', async () => {
  const { account, cookie } = await createMember({ role: 'owner' });
  const open = () => limited.graphql(OPEN_PORTAL, { input: { accountId: account.id } }, { cookie });
  for (let attempt = 0; attempt < PORTAL_LIMIT; attempt += 1)
    expect((await open()).data!.openBillingPortal.url).toMatch(/^http/);

  const refused = await open();
  expect(refused.errors?.[0]?.extensions).toMatchObject({
    code: 'RATE_LIMITED',
    retryAfterSeconds: expect.any(Number),
  });
  expect(refused.headers.get('retry-after')).toBe(String(refused.errors![0]!.extensions.retryAfterSeconds));

  const other = await createMember({ role: 'owner' });
  const theirs = await limited.graphql(
    OPEN_PORTAL,
    { input: { accountId: other.account.id } },
    { cookie: other.cookie },
  );
  expect(theirs.data!.openBillingPortal.url).toMatch(/^http/);
  await stack.settle();
});
