import { anonymous, type Actor } from './actor';
import { authenticateApiKey } from './apiKeys';
import {
  readSessionToken,
  serializeClearedSessionCookie,
  serializeSessionCookie,
  type SessionCookieOptions,
} from './sessionCookie';
import { resolveSessionToken } from './sessions';
import { UnauthenticatedError } from '../errors';

export interface RequestAuthentication {
  actor: Actor;
  /**
   * The Set-Cookie header the response must carry for the session cookie, or null: the same token with
   * the new expiry when this request renewed the session (the server-side session slides, so the
   * browser's cookie must too), or a cleared cookie when it names a session that is no longer valid.
   */
  sessionCookie: string | null;
}

/**
 * Works out who sent a request: a partner (Authorization: Bearer <API key>), a signed-in user (the
 * session cookie) or a visitor. A presented but bad API key is an error, never a silent downgrade to
 * visitor; a stale cookie is just a visitor. Used by POST /graphql and the web app alike.
 */
export async function authenticateRequest({
  authorization,
  cookie,
  cookieOptions,
}: {
  authorization: string | undefined;
  cookie: string | undefined;
  cookieOptions: SessionCookieOptions;
}): Promise<RequestAuthentication> {
  if (authorization) {
    const [scheme, credentials] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !credentials) {
      throw new UnauthenticatedError('Use "Authorization: Bearer <API key>".');
    }
    return { actor: await authenticateApiKey(credentials.trim()), sessionCookie: null };
  }
  const token = readSessionToken(cookie, cookieOptions);
  if (!token) return { actor: anonymous, sessionCookie: null };
  const session = await resolveSessionToken(token);
  if (!session) return { actor: anonymous, sessionCookie: serializeClearedSessionCookie(cookieOptions) };
  const { actor, renewedUntil } = session;
  return {
    actor,
    sessionCookie: renewedUntil
      ? serializeSessionCookie({ token, expiresAt: renewedUntil }, cookieOptions)
      : null,
  };
}
