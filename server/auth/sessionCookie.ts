import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The session cookie: the session token, signed with SESSION_SECRET so a tampered cookie is rejected
 * before it reaches the database. httpOnly and SameSite=Lax always; Secure in production.
 * Shared by the GraphQL endpoint and the web app.
 */
export const SESSION_COOKIE_NAME = 'billing_session';

export interface SessionCookieOptions {
  /** Signs new cookies, and verifies them. */
  secret: string;
  /**
   * Secrets replaced by `secret` that still verify cookies signed before the rotation, so that
   * rotating SESSION_SECRET does not sign everyone out (SESSION_SECRET_PREVIOUS).
   */
  previousSecrets?: string[];
  secure: boolean;
}

function sign(token: string, secret: string): string {
  return createHmac('sha256', secret).update(token).digest('base64url');
}

export function serializeSessionCookie(
  { token, expiresAt }: { token: string; expiresAt: Date },
  options: SessionCookieOptions,
): string {
  const value = `${token}.${sign(token, options.secret)}`;
  const attributes = [
    `${SESSION_COOKIE_NAME}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Expires=${expiresAt.toUTCString()}`,
  ];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}

export function serializeClearedSessionCookie(options: SessionCookieOptions): string {
  const attributes = [`${SESSION_COOKIE_NAME}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0'];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** The session token from a Cookie header, or null when absent or not signed by us. */
export function readSessionToken(
  cookieHeader: string | undefined,
  { secret, previousSecrets = [] }: Pick<SessionCookieOptions, 'secret' | 'previousSecrets'>,
): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== SESSION_COOKIE_NAME) continue;
    const value = decodeURIComponent(rest.join('='));
    const separator = value.lastIndexOf('.');
    if (separator <= 0) return null;
    const token = value.slice(0, separator);
    const presented = Buffer.from(value.slice(separator + 1));
    const signedBy = (candidate: string) => {
      const expected = Buffer.from(sign(token, candidate));
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    };
    return [secret, ...previousSecrets].some(signedBy) ? token : null;
  }
  return null;
}
