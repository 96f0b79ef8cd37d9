import { createUser, sessionCookieFor } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, TEST_SESSION_SECRET, type TestApp } from '../support/testApp';

/**
 * Sessions slide on the server (each use renews them, at most every ten minutes); the browser's cookie
 * must slide with them, or it would expire 30 days after sign-in however active the user is.
 */
const db = useTestDatabase();
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

const VIEWER = '{ viewer { user { email } } }';
const DAY_MS = 86_400_000;

/** A signed-in user whose session was last used `minutes` ago and is due to expire in a day. */
async function signedInUser({ lastUsedMinutesAgo }: { lastUsedMinutesAgo: number }) {
  const user = await createUser();
  const cookie = await sessionCookieFor(user);
  const session = db.knex('sessions').where({ userId: user.id });
  await session.clone().update({
    lastSeenAt: new Date(Date.now() - lastUsedMinutesAgo * 60_000),
    expiresAt: new Date(Date.now() + DAY_MS),
  });
  return { user, cookie, session };
}

function sessionCookiesOf(headers: Headers): string[] {
  return headers.getSetCookie().filter((cookie) => cookie.startsWith('billing_session='));
}

describe('POST /graphql', () => {
  it('sends the same signed token with the renewed expiry when it renews the session', async () => {
    const { user, cookie, session } = await signedInUser({ lastUsedMinutesAgo: 11 });

    const response = await app.graphql(VIEWER, {}, { cookie });
    expect(response.data!.viewer.user.email).toBe(user.email);
    const [renewed, ...others] = sessionCookiesOf(response.headers);
    expect(others).toEqual([]);
    expect(renewed.split(';')[0]).toBe(cookie);
    const { expiresAt } = await session.clone().first('expiresAt');
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * DAY_MS);
    expect(renewed).toContain(`Expires=${expiresAt.toUTCString()}`);
    expect(renewed).toMatch(/; HttpOnly; SameSite=Lax/);
  });

  it('sends no cookie while the session was used in the last ten minutes', async () => {
    const { cookie } = await signedInUser({ lastUsedMinutesAgo: 5 });
    const response = await app.graphql(VIEWER, {}, { cookie });
    expect(response.data!.viewer).not.toBeNull();
    expect(sessionCookiesOf(response.headers)).toEqual([]);
  });

  it('renews once when several requests arrive together', async () => {
    const { cookie } = await signedInUser({ lastUsedMinutesAgo: 30 });
    const responses = await Promise.all(Array.from({ length: 5 }, () => app.graphql(VIEWER, {}, { cookie })));
    expect(responses.every((response) => response.data!.viewer !== null)).toBe(true);
    expect(responses.flatMap((response) => sessionCookiesOf(response.headers))).toHaveLength(1);
  });

  it('clears the cookie of a revoked session', async () => {
    const { cookie, session } = await signedInUser({ lastUsedMinutesAgo: 11 });
    await session.clone().update({ revokedAt: new Date() });
    const response = await app.graphql(VIEWER, {}, { cookie });
    expect(response.data!.viewer).toBeNull();
    expect(sessionCookiesOf(response.headers)).toEqual([
      expect.stringMatching(/^billing_session=; .*Max-Age=0/),
    ]);
  });
});

describe('rotating SESSION_SECRET', () => {
  const NEW_SECRET = 'the-session-secret-after-rotation-0123456789';

  it('keeps people signed in when the old secret is listed as previous, and signs new cookies anew', async () => {
    const { user, cookie } = await signedInUser({ lastUsedMinutesAgo: 11 });
    const rotated = await startTestApp({
      database: db.knex,
      cookieOptions: { secret: NEW_SECRET, previousSecrets: [TEST_SESSION_SECRET], secure: false },
    });
    try {
      const response = await rotated.graphql(VIEWER, {}, { cookie });
      expect(response.data!.viewer.user.email).toBe(user.email);
      // The renewed cookie carries the same token, now signed with the new secret.
      const [renewed] = sessionCookiesOf(response.headers);
      const token = cookie.split('=')[1]!.split('.')[0];
      expect(renewed.split(';')[0]).toMatch(new RegExp(`^billing_session=${token}\\.`));
      expect(renewed.split(';')[0]).not.toBe(cookie);
    } finally {
      await rotated.close();
    }
  });

  it('signs people out whose cookie was signed with a secret no longer listed', async () => {
    const { cookie } = await signedInUser({ lastUsedMinutesAgo: 1 });
    const rotated = await startTestApp({
      database: db.knex,
      cookieOptions: { secret: NEW_SECRET, secure: false },
    });
    try {
      const response = await rotated.graphql(VIEWER, {}, { cookie });
      expect(response.data?.viewer ?? null).toBeNull();
    } finally {
      await rotated.close();
    }
  });
});
