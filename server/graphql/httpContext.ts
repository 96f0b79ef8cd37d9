import type { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { authenticateRequest } from '../auth/requestAuthentication';
import {
  serializeClearedSessionCookie,
  serializeSessionCookie,
  type SessionCookieOptions,
} from '../auth/sessionCookie';
import { DomainError, HTTP_STATUS_BY_CODE } from '../errors';
import type { Logger } from '../logger';
import type { GraphQLContext } from './context';
import { createLoaders } from './loaders';

/** Builds the GraphQL context of one HTTP request: who is calling, and how to answer them. */
export function createHttpContextFactory({
  logger,
  cookieOptions,
}: {
  logger: Logger;
  cookieOptions: SessionCookieOptions;
}) {
  return async ({ req, res }: { req: Request; res: Response }): Promise<GraphQLContext> => {
    let authentication: Awaited<ReturnType<typeof authenticateRequest>>;
    try {
      authentication = await authenticateRequest({
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        cookieOptions,
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new GraphQLError(error.message, {
        extensions: { code: error.code, http: { status: HTTP_STATUS_BY_CODE[error.code] } },
      });
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
    };
  };
}
