import { z } from 'zod';
import type { Actor } from './auth/actor';
import { ValidationError } from './errors';
import { settings } from './settings';

/** What Stripe accepts in a URL, and no more: printable ASCII without spaces or backslashes. */
const PLAIN_URL = /^[!-[\]-~]+$/;

const allowedSchemes = () => (settings().partnerReturnUrls.allowHttp ? ['https:', 'http:'] : ['https:']);

/**
 * A URL a partner sends its customers back to after Checkout or the portal (decision 032): absolute,
 * https (http outside production), without credentials. What the caller wrote is kept as written, so
 * Checkout's `{CHECKOUT_SESSION_ID}` placeholder reaches Stripe untouched. Its origin is checked against
 * the caller's allowed origins by `assertReturnOrigins`.
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
  const schemes = allowedSchemes();
  if (!schemes.includes(url.protocol)) return `must be an ${schemes.join(' or ').replace(/:/g, '')} URL`;
  if (url.username || url.password) return 'must not carry a user name or password';
  return undefined;
}

/** An origin an API key may return customers to, as given when the key is created. */
export const returnOriginInput = z
  .string()
  .max(300, 'is at most 300 characters')
  .refine((text) => {
    try {
      const url = new URL(text);
      return allowedSchemes().includes(url.protocol) && url.origin === text.replace(/\/+$/, '').toLowerCase();
    } catch {
      return false;
    }
  }, 'must be an origin such as https://app.example.com, without a path')
  .transform((text) => new URL(text).origin);

/**
 * The origins the caller may send customers back to: the platform's (PARTNER_RETURN_ORIGINS), our own,
 * and, for a partner key, those given when it was created.
 */
export function allowedReturnOrigins(actor: Actor): Set<string> {
  const { publicUrl, partnerReturnUrls } = settings();
  return new Set([
    new URL(publicUrl).origin,
    ...partnerReturnUrls.origins,
    ...(actor.kind === 'apiKey' ? (actor.returnOrigins ?? []) : []),
  ]);
}

/** Refuses, by field, the return URLs (already well formed) whose origin the caller may not use. */
export function assertReturnOrigins(actor: Actor, urls: Record<string, string | null | undefined>): void {
  const allowed = allowedReturnOrigins(actor);
  const problems: Record<string, string> = {};
  for (const [field, url] of Object.entries(urls)) {
    const origin = url ? new URL(url).origin : undefined;
    if (origin && !allowed.has(origin))
      problems[field] = `${origin} is not an allowed return origin (PARTNER_RETURN_ORIGINS or the API key's)`;
  }
  if (Object.keys(problems).length > 0) throw ValidationError.forFields(problems);
}
