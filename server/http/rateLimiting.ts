import type { Request, RequestHandler, Response } from 'express';
import { RateLimitedError } from '../errors';
import type { RateLimits } from '../rateLimits/rateLimiter';

/**
 * The client's address as Express works it out: the connection's peer, or, behind the proxies
 * TRUST_PROXY names, the address they forwarded.
 */
export function clientAddressOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * Counts requests per client address (RATE_LIMIT_IP) on the routes that serve visitors: /graphql and
 * the web app's pages. A request carrying an API key is counted on its key once the key is verified
 * (server/graphql/httpContext.ts), so a partner's servers are limited by their key, not their address.
 */
export function clientAddressLimit({
  rateLimits,
  answer,
}: {
  rateLimits: RateLimits;
  /** How a refusal is written: as a GraphQL response, or as a page. */
  answer: 'graphql' | 'page';
}): RequestHandler {
  return async (req, res, next) => {
    if (req.headers.authorization) return next();
    try {
      await rateLimits.consume('ip', clientAddressOf(req));
      next();
    } catch (error) {
      if (error instanceof RateLimitedError) return refuse(res, error, answer);
      next(error);
    }
  };
}

/** 429 with Retry-After, shaped as the route's clients expect its answers. */
function refuse(res: Response, error: RateLimitedError, answer: 'graphql' | 'page'): void {
  res.status(429).setHeader('Retry-After', String(error.retryAfterSeconds));
  if (answer === 'page') {
    res.type('text/plain').send(`Too many requests from your address. ${error.message}`);
    return;
  }
  res.json({ errors: [{ message: error.message, extensions: { ...error.details, code: error.code } }] });
}
