import { anonymous, type Actor } from './actor';
import { authenticateApiKey } from './apiKeys';
import { readSessionToken } from './sessionCookie';
import { resolveSessionToken } from './sessions';
import { UnauthenticatedError } from '../errors';

/**
 * Works out who sent a request: a partner (Authorization: Bearer <API key>), a signed-in user (the
 * session cookie) or a visitor. A presented but bad API key is an error, never a silent downgrade to
 * visitor; a stale cookie is just a visitor.
 */
export async function authenticateRequest({
  authorization,
  cookie,
  sessionSecret,
}: {
  authorization: string | undefined;
  cookie: string | undefined;
  sessionSecret: string;
}): Promise<{ actor: Actor; staleSessionCookie: boolean }> {
  if (authorization) {
    const [scheme, credentials] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !credentials) {
      throw new UnauthenticatedError('Use "Authorization: Bearer <API key>".');
    }
    return { actor: await authenticateApiKey(credentials.trim()), staleSessionCookie: false };
  }
  const token = readSessionToken(cookie, sessionSecret);
  if (!token) return { actor: anonymous, staleSessionCookie: false };
  const user = await resolveSessionToken(token);
  return user ? { actor: user, staleSessionCookie: false } : { actor: anonymous, staleSessionCookie: true };
}
