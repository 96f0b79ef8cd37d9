import { z } from 'zod';
import { settings } from '../settings';

/** What Stripe accepts in a URL, and no more: printable ASCII without spaces or backslashes. */
const PLAIN_URL = /^[!-[\]-~]+$/;

/**
 * The origins return URLs may point at: the partners' (PARTNER_RETURN_ORIGINS) and our own.
 */
export function allowedReturnOrigins(): Set<string> {
  const { publicUrl, partnerReturnUrls } = settings();
  return new Set([new URL(publicUrl).origin, ...partnerReturnUrls.origins]);
}

/**
 * A URL a partner sends its customers back to after Checkout or the portal: absolute, https (http
 * outside production), without credentials, on an allowed origin. What the caller wrote is kept as
 * written, so Checkout's `{CHECKOUT_SESSION_ID}` placeholder reaches Stripe untouched.
 */
export const returnUrlInput = z
  .string()
  .max(2000, 'is at most 2,000 characters')
  .superRefine((text, context) => {
    const problem = returnUrlProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

function returnUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    if (!PLAIN_URL.test(text)) return 'must be an absolute URL without spaces or backslashes';
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  const schemes = settings().partnerReturnUrls.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) return `must be an ${schemes.join(' or ').replace(/:/g, '')} URL`;
  if (url.username || url.password) return 'must not carry a user name or password';
  if (!allowedReturnOrigins().has(url.origin))
    return `${url.origin} is not an allowed return origin (PARTNER_RETURN_ORIGINS)`;
  return undefined;
}
