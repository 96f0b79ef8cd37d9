import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';

export interface SecurityHeaderOptions {
  /** PUBLIC_URL is https: browsers are told to use nothing else (HSTS) and to upgrade any http link. */
  https: boolean;
  /**
   * Vite compiles the web app on request (development): its client connects back over a WebSocket
   * for hot reload and injects the styles it updates as `<style>` elements.
   */
  viteClient: boolean;
  /**
   * Origins a form of ours may lead to besides our own: Stripe's hosted Checkout and billing portal,
   * which a form posted without JavaScript reaches through our redirect.
   */
  formTargets: string[];
}

/** Stripe's hosted pages (Checkout and the billing portal), when the service talks to real Stripe. */
export const STRIPE_HOSTED_PAGES = ['https://checkout.stripe.com', 'https://billing.stripe.com'];

/**
 * The headers' options as the process's configuration implies them: https (and so HSTS) exactly when
 * PUBLIC_URL is https; Vite's client outside production; forms may lead to Stripe's hosted pages, or
 * to the emulator's when Stripe is emulated.
 */
export function securityHeadersFor({
  publicUrl,
  production,
  stripeEmulatorUrl,
}: {
  publicUrl: string | undefined;
  production: boolean;
  stripeEmulatorUrl: string | undefined;
}): SecurityHeaderOptions {
  return {
    https: publicUrl !== undefined && new URL(publicUrl).protocol === 'https:',
    viteClient: !production,
    formTargets: stripeEmulatorUrl ? [new URL(stripeEmulatorUrl).origin] : STRIPE_HOSTED_PAGES,
  };
}

/**
 * Security headers on every response, from helmet, with a Content-Security-Policy for the Remix app:
 *
 * - scripts only from this origin, and inline ones only with this response's nonce (Remix writes its
 *   hydration data and module imports inline; root.tsx and entry.server.tsx pass them the nonce);
 * - stylesheets only from this origin; style attributes are allowed (Recharts sizes its charts with
 *   them, and React sets them through the DOM anyway), `<style>` elements are not, except from Vite's
 *   client in development;
 * - no framing at all (`frame-ancestors 'none'`, and X-Frame-Options for older browsers): the admin's
 *   refund and cancel-now forms must never sit under another site's clickjacking overlay;
 * - HSTS only when PUBLIC_URL is https: on plain http it would be ignored at best.
 *
 * See docs/decisions/019-security-headers-and-rate-limits.md.
 */
export function securityHeaders({ https, viteClient, formTargets }: SecurityHeaderOptions): RequestHandler[] {
  const nonce = (_req: unknown, res: ServerResponse) => `'nonce-${cspNonceOf(res)}'`;
  return [
    (_req, res, next) => {
      res.locals.cspNonce = nextNonce();
      next();
    },
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", nonce],
          styleSrc: ["'self'", "'unsafe-inline'"],
          styleSrcElem: viteClient ? ["'self'", "'unsafe-inline'"] : ["'self'"],
          styleSrcAttr: ["'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: viteClient ? ["'self'", 'ws:', 'wss:'] : ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'", ...formTargets],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: https ? [] : null,
        },
      },
      strictTransportSecurity: https ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true } : false,
      xFrameOptions: { action: 'deny' },
      // Our addresses (a reset link's among them) never travel to other sites in a Referer.
      referrerPolicy: { policy: 'same-origin' },
      // Nothing of ours is embedded cross-origin, and Stripe's pages are navigated to, not embedded.
      crossOriginEmbedderPolicy: false,
    }),
  ];
}

const NONCE_BYTES = 16;
const NONCES_PER_DRAW = 256;
let nonceBytes = Buffer.alloc(0);
let nonceOffset = 0;

/**
 * A fresh nonce from the CSPRNG for every response, never reused. Asking the CSPRNG for 16 bytes per
 * response cost a few percent of the CPU of a small API request, so the bytes are drawn 256 nonces at a
 * time and handed out in turn.
 */
function nextNonce(): string {
  if (nonceOffset === nonceBytes.length) {
    nonceBytes = randomBytes(NONCE_BYTES * NONCES_PER_DRAW);
    nonceOffset = 0;
  }
  const nonce = nonceBytes.toString('base64', nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/** The nonce of this response's Content-Security-Policy (see securityHeaders). */
export function cspNonceOf(res: ServerResponse): string {
  return String((res as Response).locals?.cspNonce ?? '');
}
