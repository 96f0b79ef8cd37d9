import { redirect } from '@remix-run/node';
import { safeRedirectPath } from './safePath';

export { safeRedirectPath };

/** Redirects to a path on this site (see safeRedirectPath), forwarding any cookies the API set. */
export function safeRedirect(
  target: unknown,
  { fallback = '/billing', setCookies = [] }: { fallback?: string; setCookies?: string[] } = {},
) {
  return redirect(safeRedirectPath(target, fallback), { headers: cookieHeaders(setCookies) });
}

/**
 * Sends the customer to a page Stripe hosts (Checkout, the billing portal). Such a URL only ever comes
 * from our own API's answer, never from the request, and must be http(s).
 */
export function redirectToHostedPage(url: string) {
  const { protocol } = new URL(url);
  if (protocol !== 'https:' && protocol !== 'http:')
    throw new Error('A hosted payment page must be an http(s) URL');
  return redirect(url);
}

/** Forwards the session cookie the API set (sign in, sign up, sign out) on the page's own response. */
export function cookieHeaders(setCookies: string[]): Headers {
  const headers = new Headers();
  for (const cookie of setCookies) headers.append('Set-Cookie', cookie);
  return headers;
}
