import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

declare module 'http' {
  interface IncomingMessage {
    /** The request's id: the caller's X-Request-Id, or a new one; echoed in the response. */
    id?: string;
  }
}

const QUIET_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Gives every request an id (X-Request-Id in and out) and, when info logging is on, logs each finished
 * request with its status and duration. Kept this small on purpose: it runs on every request of the
 * partners' hot path, where a general-purpose HTTP logger cost half the throughput.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && given.length > 0 && given.length <= 200 ? given : randomUUID();
    req.id = id;
    res.setHeader('x-request-id', id);
    if (QUIET_PATHS.has(req.path) || !logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    res.on('finish', () => {
      logger.info(
        {
          requestId: id,
          method: req.method,
          path: req.originalUrl,
          status: res.statusCode,
          milliseconds: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    next();
  };
}
