import { Router } from 'express';
import { securityHeadersFor } from '../../server/http/securityHeaders';
import type { WebHandlerFactory } from '../../server/web/webHandler';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

/**
 * Every response carries the security headers, in production as elsewhere: a Content-Security-Policy
 * with a fresh nonce per response and no framing, nosniff, a strict Referrer-Policy, and HSTS exactly
 * when the service is reached over https.
 */
const db = useTestDatabase();
const page: WebHandlerFactory = async () => ({
  handle: Router().get('/admin/accounts/x', (_req, res) => {
    res.type('html').send('<form method="post"><button>Cancel now</button></form>');
  }),
  close: async () => undefined,
});
let overHttps: TestApp;
let overHttp: TestApp;

beforeAll(async () => {
  // Configured as server/main.ts configures a production process with real Stripe.
  const production = (publicUrl: string) => ({
    production: true,
    webHandler: page,
    securityHeaders: securityHeadersFor({ publicUrl, production: true, stripeEmulatorUrl: undefined }),
  });
  overHttps = await startTestApp({ database: db.knex, ...production('https://billing.example.com') });
  overHttp = await startTestApp({ database: db.knex, ...production('http://billing.internal:3000') });
});
afterAll(async () => {
  await overHttps.close();
  await overHttp.close();
});

const headersOf = async (app: TestApp, path: string) => (await fetch(`${app.url}${path}`)).headers;
const directives = (policy: string | null) =>
  new Map(
    (policy ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name!, values]),
  );

describe('security headers in production', () => {
  it.each(['/admin/accounts/x', '/healthz', '/graphql?query=%7B__typename%7D', '/no-such-route'])(
    'are on %s',
    async (path) => {
      const headers = await headersOf(overHttps, path);
      const policy = directives(headers.get('content-security-policy'));
      expect(policy.get('default-src')).toEqual(["'self'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
      expect(policy.get('object-src')).toEqual(["'none'"]);
      expect(policy.get('base-uri')).toEqual(["'none'"]);
      expect(policy.get('script-src')).toEqual([
        "'self'",
        expect.stringMatching(/^'nonce-[A-Za-z0-9+/]{22}=='$/),
      ]);
      expect(policy.get('style-src-elem')).toEqual(["'self'"]);
      expect(policy.get('style-src-attr')).toEqual(["'unsafe-inline'"]);
      expect(policy.get('connect-src')).toEqual(["'self'"]);
      expect(policy.get('form-action')).toEqual([
        "'self'",
        'https://checkout.stripe.com',
        'https://billing.stripe.com',
      ]);
      expect(policy.has('upgrade-insecure-requests')).toBe(true);
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('referrer-policy')).toBe('same-origin');
      expect(headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(headers.get('x-powered-by')).toBeNull();
    },
  );

  it('give every response a nonce of its own', async () => {
    // More responses than one draw of random bytes serves (256), so a refill is crossed.
    const RESPONSES = 300;
    const nonces = new Set<string>();
    for (let request = 0; request < RESPONSES; request += 1) {
      const policy = directives(
        (await headersOf(overHttps, '/admin/accounts/x')).get('content-security-policy'),
      );
      nonces.add(policy.get('script-src')![1]!);
    }
    expect(nonces.size).toBe(RESPONSES);
  });

  it('leave HSTS and the https upgrade out when the service is reached over plain http', async () => {
    const headers = await headersOf(overHttp, '/admin/accounts/x');
    expect(headers.get('strict-transport-security')).toBeNull();
    expect(directives(headers.get('content-security-policy')).has('upgrade-insecure-requests')).toBe(false);
    expect(directives(headers.get('content-security-policy')).get('frame-ancestors')).toEqual(["'none'"]);
    expect(headers.get('x-frame-options')).toBe('DENY');
  });
});
