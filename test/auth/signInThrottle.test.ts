import { ManualClock, useClock } from '../../server/clock';
import { RESET_EMAILS_PER_WINDOW } from '../../server/auth/passwordReset';
import {
  purgeSignInFailures,
  SIGN_IN_FAILURE_LIMIT,
  SIGN_IN_FAILURE_WINDOW_MS,
} from '../../server/auth/signInThrottle';
import { createUser, TEST_PASSWORD, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

/** Passwords cannot be guessed at speed, and the reset form cannot flood an inbox. */
const db = useTestDatabase();
let app: TestApp;
let clock: ManualClock;
let restoreClock: () => void;

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());
beforeEach(() => {
  clock = new ManualClock(new Date());
  restoreClock = useClock(clock);
});
afterEach(() => restoreClock());

const SIGN_IN = 'mutation($input: SignInInput!) { signIn(input: $input) { user { email } } }';
const signIn = (email: string, password: string) => app.graphql(SIGN_IN, { input: { email, password } });
const requestReset = (email: string) =>
  app.graphql('mutation($email: String!) { requestPasswordReset(email: $email) }', { email });

describe('failed sign-ins', () => {
  it('refuses every sign-in to an address, the right password included, once it has failed too often, until the window passes', async () => {
    const user = await createUser();
    for (let attempt = 0; attempt < SIGN_IN_FAILURE_LIMIT; attempt += 1) {
      clock.advance(1000);
      expect((await signIn(user.email, `guess ${attempt}`)).errors?.[0]?.extensions?.code).toBe(
        'UNAUTHENTICATED',
      );
    }

    const refused = await signIn(user.email.toUpperCase(), TEST_PASSWORD);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: SIGN_IN_FAILURE_WINDOW_MS / 1000 - 10 + 1,
    });
    expect(refused.headers.get('set-cookie')).toBeNull();
    expect(await db.knex('sessions').where({ userId: user.id })).toEqual([]);

    // Once the first failure leaves the window, one more try is allowed: the right one gets in.
    clock.advance(SIGN_IN_FAILURE_WINDOW_MS - 9000);
    expect((await signIn(user.email, TEST_PASSWORD)).data!.signIn.user.email).toBe(user.email);
  });

  it('checks at most the limit of passwords when guesses arrive all at once', async () => {
    const user = await createUser();
    const failures = async () => (await db.knex('signInFailures').select('id')).length;
    const failuresBefore = await failures();
    const guesses = SIGN_IN_FAILURE_LIMIT * 2 + 6;
    const answers = await Promise.all(
      Array.from({ length: guesses }, (_, guess) => signIn(user.email, `parallel guess ${guess}`)),
    );
    const codes = answers.map((answer) => answer.errors?.[0]?.extensions?.code);
    // Each UNAUTHENTICATED answer is a password that was checked; the rest were refused before that.
    expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(SIGN_IN_FAILURE_LIMIT);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(guesses - SIGN_IN_FAILURE_LIMIT);
    expect((await failures()) - failuresBefore).toBe(SIGN_IN_FAILURE_LIMIT);
  });

  it('does not count a right password against the address', async () => {
    const user = await createUser();
    for (let attempt = 0; attempt < SIGN_IN_FAILURE_LIMIT * 2; attempt += 1)
      expect((await signIn(user.email, TEST_PASSWORD)).data!.signIn.user.email).toBe(user.email);
    for (let attempt = 0; attempt < SIGN_IN_FAILURE_LIMIT - 1; attempt += 1)
      await signIn(user.email, 'guess');
    expect((await signIn(user.email, TEST_PASSWORD)).data!.signIn.user.email).toBe(user.email);
  });

  it('throttles an address without a login exactly like one with, so the answer tells nothing', async () => {
    const email = `${unique('nobody')}@example.com`;
    for (let attempt = 0; attempt < SIGN_IN_FAILURE_LIMIT; attempt += 1) await signIn(email, 'guess');
    expect((await signIn(email, 'guess')).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('counts failures per address, keeps no address in the clear, and purges them after a day', async () => {
    const [throttled, other] = [await createUser(), await createUser()];
    for (let attempt = 0; attempt < SIGN_IN_FAILURE_LIMIT; attempt += 1)
      await signIn(throttled.email, 'guess');
    expect((await signIn(other.email, TEST_PASSWORD)).data!.signIn.user.email).toBe(other.email);

    const stored = await db.knex('signInFailures').select('emailHash');
    expect(JSON.stringify(stored)).not.toContain(throttled.email);

    clock.advance(24 * 60 * 60 * 1000 + 1000);
    expect(await purgeSignInFailures()).toBeGreaterThanOrEqual(SIGN_IN_FAILURE_LIMIT);
    expect((await signIn(throttled.email, TEST_PASSWORD)).data!.signIn.user.email).toBe(throttled.email);
  });
});

describe('password reset requests', () => {
  it(`sends at most ${RESET_EMAILS_PER_WINDOW} links an hour to one login, answering every request the same`, async () => {
    const user = await createUser();
    const resetEmails = async () =>
      (await db.knex('notifications').where({ recipient: user.email, kind: 'auth.password_reset' })).length;

    for (let request = 0; request < RESET_EMAILS_PER_WINDOW + 2; request += 1) {
      const answer = await requestReset(user.email);
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.requestPasswordReset).toBe(true);
    }
    expect(await resetEmails()).toBe(RESET_EMAILS_PER_WINDOW);

    clock.advance(60 * 60 * 1000 + 1000);
    await requestReset(user.email);
    expect(await resetEmails()).toBe(RESET_EMAILS_PER_WINDOW + 1);
  });
});
