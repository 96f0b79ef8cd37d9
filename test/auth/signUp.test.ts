import { purgeExpiredSignUpRequests, SIGN_UP_EMAILS_PER_HOUR } from '../../server/accounts/signUp';
import * as secrets from '../../server/auth/secrets';
import { ManualClock, useClock } from '../../server/clock';
import { createUser, ensureDefaultPlan, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { deliverOutbox, linkIn, tokenOf } from '../support/mailbox';
import { startTestApp, type TestApp } from '../support/testApp';

/**
 * Signing up tells nobody whether an address already has a login: the answer, the work done and the
 * email queued are alike; the new address gets a link to finish, the owner of an existing login a
 * reminder of the ways in.
 */
const db = useTestDatabase();
let app: TestApp;
let clock: ManualClock;
let restoreClock: () => void;

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
  await ensureDefaultPlan();
});
afterAll(() => app.close());
beforeEach(() => {
  clock = new ManualClock(new Date());
  restoreClock = useClock(clock);
});
afterEach(() => {
  restoreClock();
  jest.restoreAllMocks();
});

const SIGN_UP = 'mutation($input: SignUpInput!) { signUp(input: $input) }';
const CONFIRM =
  'mutation($token: String!) { confirmSignUp(token: $token) { user { email } account { name subscription { plan { key } } } } }';
const signUp = (email: string) =>
  app.graphql(SIGN_UP, {
    input: { email, password: 'a long enough password', name: 'Ada', accountName: 'Engines' },
  });

/** Everything a client sees of an answer, without what differs on every request anyway. */
async function visibleAnswer(email: string) {
  const answer = await signUp(email);
  const headers = [...answer.headers.entries()].filter(
    ([name]) => !['date', 'x-request-id', 'content-security-policy'].includes(name),
  );
  return { status: answer.status, data: answer.data, errors: answer.errors, headers };
}

describe('signing up', () => {
  it('answers an address with a login exactly as a new one, with the same work, and sets no cookie', async () => {
    const existing = await createUser();
    const hashing = jest.spyOn(secrets, 'hashPassword');

    const forExisting = await visibleAnswer(existing.email.toUpperCase());
    expect(hashing).toHaveBeenCalledTimes(1);
    const forNew = await visibleAnswer(`${unique('new')}@example.com`);
    expect(hashing).toHaveBeenCalledTimes(2);

    expect(forExisting).toEqual(forNew);
    expect(forNew.data).toEqual({ signUp: true });
    expect(forNew.headers.map(([name]) => name)).not.toContain('set-cookie');
    expect(await db.knex('users').whereRaw('lower(email) = lower(?)', [existing.email])).toHaveLength(1);
  });

  it('emails the owner of an existing login the ways in, and nothing that creates anything', async () => {
    const existing = await createUser();
    await signUp(existing.email);
    const [email, ...others] = (await deliverOutbox()).filter((sent) => sent.to === existing.email);
    expect(others).toEqual([]);
    expect(email).toMatchObject({ subject: 'You already have a Billing login' });
    expect(email!.text).toContain('/signin');
    expect(email!.text).toContain('/reset-password');
    expect(email!.text).not.toContain('token=');
  });

  it('creates the login, its account on the free plan and a session from the emailed link, once', async () => {
    const address = `${unique('ada')}@example.com`;
    await signUp(address);
    expect(await db.knex('users').where({ email: address })).toEqual([]);

    const [email] = (await deliverOutbox()).filter((sent) => sent.to === address);
    const token = tokenOf(linkIn(email, '/signup/confirm'));
    const confirmed = await app.graphql(CONFIRM, { token });
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data!.confirmSignUp).toEqual({
      user: { email: address },
      account: { name: 'Engines', subscription: { plan: { key: 'free' } } },
    });
    expect(confirmed.headers.get('set-cookie')).toMatch(/^billing_session=/);

    const again = await app.graphql(CONFIRM, { token });
    expect(again.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { token: 'this link has expired or was already used; sign up again' },
    });
    expect(await db.knex('users').where({ email: address })).toHaveLength(1);
  });

  it('keeps no usable link at rest: the row holds a reference, the token only its hash', async () => {
    const address = `${unique('grace')}@example.com`;
    await signUp(address);
    const [email] = (await deliverOutbox()).filter((sent) => sent.to === address);
    const token = tokenOf(linkIn(email, '/signup/confirm'));
    const notice = await db.knex('notifications').where({ recipient: address }).first();
    expect(notice).toMatchObject({ status: 'sent', signUpRequestId: expect.any(String) });
    expect(JSON.stringify(notice)).not.toContain(token);
    const request = await db.knex('signUpRequests').where({ id: notice.signUpRequestId }).first();
    expect(JSON.stringify(request)).not.toContain(token);
    expect(request.tokenHash).toBe(secrets.hashToken(token));
  });

  it('lets a link expire after 24 hours', async () => {
    const address = `${unique('late')}@example.com`;
    await signUp(address);
    const [email] = (await deliverOutbox()).filter((sent) => sent.to === address);
    clock.advance(24 * 60 * 60 * 1000 + 1000);
    const late = await app.graphql(CONFIRM, { token: tokenOf(linkIn(email, '/signup/confirm')) });
    expect(late.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await db.knex('users').where({ email: address })).toEqual([]);

    // A day later the request, and the password hash it held, are gone; the sent notice stays.
    clock.advance(24 * 60 * 60 * 1000);
    expect(await purgeExpiredSignUpRequests()).toBeGreaterThanOrEqual(1);
    expect(await db.knex('signUpRequests').where({ email: address })).toEqual([]);
    expect(await db.knex('notifications').where({ recipient: address })).toHaveLength(1);
  });

  it(`sends at most ${SIGN_UP_EMAILS_PER_HOUR} emails an hour to one address, answering every request the same`, async () => {
    const existing = await createUser();
    const fresh = `${unique('flood')}@example.com`;
    for (const address of [existing.email, fresh]) {
      for (let request = 0; request < SIGN_UP_EMAILS_PER_HOUR + 2; request += 1)
        expect((await signUp(address)).data).toEqual({ signUp: true });
      const queued = await db.knex('notifications').whereRaw('lower(recipient) = lower(?)', [address]);
      expect(queued).toHaveLength(SIGN_UP_EMAILS_PER_HOUR);
    }
  });

  it('refuses bad input the same for every address, next to its field', async () => {
    const existing = await createUser();
    for (const email of [existing.email, `${unique('new')}@example.com`]) {
      const answer = await app.graphql(SIGN_UP, {
        input: { email, password: 'short', name: 'Ada', accountName: 'Engines' },
      });
      expect(answer.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { password: 'must be at least 10 characters' },
      });
    }
  });
});
