import type { RequestHandler } from 'express';
import { settings } from '../settings';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery: the session cookie is SameSite=Lax, and on top of that every
 * state-changing request to the web app must come from one of our own pages, as its Origin (or, from
 * older browsers, its Referer) shows. A request that names no origin at all is refused too.
 */
export function originCheck({ production }: { production: boolean }): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const presented = req.headers.origin ?? originOf(req.headers.referer);
    if (presented && allowedOrigins(req.protocol, req.headers.host, production).has(presented)) return next();
    res
      .status(403)
      .type('text/plain')
      .send('This form was sent from another site, so it was refused. Go back to the page and try again.');
  };
}

function allowedOrigins(protocol: string, host: string | undefined, production: boolean): Set<string> {
  const allowed = new Set([new URL(settings().publicUrl).origin]);
  // In development the service is reached on whatever address it listens on (127.0.0.1, localhost, a LAN IP).
  if (!production && host) allowed.add(`${protocol}://${host}`);
  return allowed;
}

function originOf(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}
