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
 * Pages whose address carries a one-time secret (a reset or sign-up confirmation link), with or
 * without Remix's `.data` suffix: their whole query string stays out of the logs.
 */
const TOKEN_BEARING_PATHS = /^\/(reset-password|signup\/confirm)(\.data)?\/?$/;
/** An invitation's page, whose secret is the last part of its path (decision 045). */
const INVITATION_PATH = /^\/invitations\/[^/?]+/;
/** Query parameters that hold a secret on any route. */
const SECRET_PARAMETERS = /^(token|secret|password|api_?key)$/i;

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
    // Taken now: routers mounted on a path rewrite req.path while they handle the request.
    const isGraphQL = req.path === '/graphql';
    res.on('finish', () => {
      logger.info(
        {
          requestId: id,
          method: req.method,
          path: loggableUrl(req.originalUrl),
          // Parsed by the time the response finishes; every API call is a POST to one path otherwise.
          ...(isGraphQL && { operation: operationNameOf(req.body) }),
          status: res.statusCode,
          milliseconds: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    next();
  };
}

const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const FIRST_OPERATION = /^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

/**
 * A GraphQL request's operation name for the log: the one it names, or the first operation's own name,
 * or "anonymous". Never the query text, which may carry a customer's data.
 */
export function operationNameOf(body: unknown): string {
  const { operationName, query } = (body ?? {}) as { operationName?: unknown; query?: unknown };
  if (typeof operationName === 'string' && OPERATION_NAME.test(operationName)) return operationName;
  const named = typeof query === 'string' ? FIRST_OPERATION.exec(query.slice(0, 2000))?.[1] : undefined;
  return named && OPERATION_NAME.test(named) ? named : 'anonymous';
}

/**
 * The request's address as it may be written down: logs are kept, copied and read by people who must
 * not be able to use a reset link they find there.
 */
export function loggableUrl(originalUrl: string): string {
  if (INVITATION_PATH.test(originalUrl)) return '/invitations/[redacted]';
  const queryStart = originalUrl.indexOf('?');
  if (queryStart === -1) return originalUrl;
  const path = originalUrl.slice(0, queryStart);
  if (TOKEN_BEARING_PATHS.test(path)) return `${path}?[redacted]`;
  const query = new URLSearchParams(originalUrl.slice(queryStart + 1));
  let redacted = false;
  for (const name of new Set(query.keys())) {
    if (!SECRET_PARAMETERS.test(name)) continue;
    query.set(name, '[redacted]');
    redacted = true;
  }
  return redacted ? `${path}?${query.toString()}` : originalUrl;
}
