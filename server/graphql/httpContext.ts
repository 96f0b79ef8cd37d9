import type { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { authenticateRequest } from '../auth/requestAuthentication';
import {
  serializeClearedSessionCookie,
  serializeSessionCookie,
  type SessionCookieOptions,
} from '../auth/sessionCookie';
import { DomainError, HTTP_STATUS_BY_CODE, RateLimitedError } from '../errors';
import { clientAddressOf } from '../http/rateLimiting';
import type { Logger } from '../logger';
import { consumeCallerLimit, operationThrottle } from '../rateLimits/callerLimits';
import type { RateLimits } from '../rateLimits/rateLimiter';
import type { GraphQLContext } from './context';
import { createLoaders } from './loaders';

/**
 * Builds the GraphQL context of one HTTP request: who is calling, and how to answer them. Each request
 * counts against its caller's limit (per API key or user); a request with a bad API key counts
 * against its client address, so that keys cannot be tried at speed.
 */
export function createHttpContextFactory({
  logger,
  cookieOptions,
  rateLimits,
}: {
  logger: Logger;
  cookieOptions: SessionCookieOptions;
  rateLimits: RateLimits;
}) {
  return async ({ req, res }: { req: Request; res: Response }): Promise<GraphQLContext> => {
    const clientAddress = clientAddressOf(req);
    let authentication: Awaited<ReturnType<typeof authenticateRequest>>;
    try {
      authentication = await authenticateRequest({
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        cookieOptions,
      });
      await consumeCallerLimit({ rateLimits, actor: authentication.actor });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (!(error instanceof RateLimitedError)) await asRequestError(rateLimits.consume('ip', clientAddress));
      throw requestError(error);
    }
    if (authentication.sessionCookie) res.append('Set-Cookie', authentication.sessionCookie);
    const requestId = String(req.id ?? '');
    return {
      actor: authentication.actor,
      requestId,
      logger: logger.child({ requestId }),
      loaders: createLoaders(),
      sessionCookie: {
        issue: (session) => res.append('Set-Cookie', serializeSessionCookie(session, cookieOptions)),
        clear: () => res.append('Set-Cookie', serializeClearedSessionCookie(cookieOptions)),
      },
      throttle: operationThrottle({ rateLimits, actor: authentication.actor, clientAddress }),
    };
  };
}

async function asRequestError(work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (error) {
    throw error instanceof DomainError ? requestError(error) : error;
  }
}

/** A failure of the whole request, before any field runs: its HTTP status, and Retry-After when limited. */
function requestError(error: DomainError): GraphQLError {
  const headers = new Map<string, string>();
  if (error instanceof RateLimitedError) headers.set('retry-after', String(error.retryAfterSeconds));
  return new GraphQLError(error.message, {
    extensions: {
      ...error.details,
      code: error.code,
      http: { status: HTTP_STATUS_BY_CODE[error.code], headers },
    },
  });
}
