import type { ApolloServer } from '@apollo/server';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { GraphQLFormattedError } from 'graphql';
import { authenticateRequest } from '../auth/requestAuthentication';
import {
  serializeClearedSessionCookie,
  serializeSessionCookie,
  type SessionCookieOptions,
} from '../auth/sessionCookie';
import { RateLimitedError } from '../errors';
import type { Logger } from '../logger';
import { consumeCallerLimit, operationThrottle } from '../rateLimits/callerLimits';
import type { RateLimits } from '../rateLimits/rateLimiter';
import type { GraphQLContext } from './context';
import { createLoaders } from './loaders';

export interface InProcessResult<Data> {
  data: Data | null;
  errors: readonly GraphQLFormattedError[];
  /** Set-Cookie headers the operation produced (signIn, signUp, signOut): the caller forwards them. */
  setCookies: string[];
}

/** The HTTP exchange a page is served in: its request names the caller, its response is theirs. */
export interface CallerExchange {
  request: { headers: { cookie?: string }; id?: unknown; ip?: string };
  response: { append(field: 'Set-Cookie', value: string): unknown };
}

export type ExecuteGraphQL = <Data, Variables extends Record<string, unknown>>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  exchange: CallerExchange,
) => Promise<InProcessResult<Data>>;

/**
 * Runs an operation through the same Apollo server, resolvers, validation rules and error formatting as
 * POST /graphql, without an HTTP round trip: how the web app's loaders and actions call the API. The
 * caller is whoever the request's session cookie names; the web app never acts with an API key. Each
 * operation counts against the signed-in user's limit, as it would over HTTP.
 */
export function createGraphQLExecutor({
  apollo,
  logger,
  cookieOptions,
  rateLimits,
}: {
  apollo: ApolloServer<GraphQLContext>;
  logger: Logger;
  cookieOptions: SessionCookieOptions;
  rateLimits: RateLimits;
}): ExecuteGraphQL {
  return async <Data, Variables extends Record<string, unknown>>(
    document: TypedDocumentNode<Data, Variables>,
    variables: Variables,
    { request, response }: CallerExchange,
  ) => {
    const { actor, sessionCookie } = await authenticateRequest({
      authorization: undefined,
      cookie: request.headers.cookie,
      cookieOptions,
    });
    // A renewed (or stale) session cookie goes straight onto the page's response, as POST /graphql does,
    // whatever the loader or action then does with this operation's result.
    if (sessionCookie) response.append('Set-Cookie', sessionCookie);
    try {
      await consumeCallerLimit({ rateLimits, actor });
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      const extensions = { ...error.details, code: error.code };
      return { data: null, errors: [{ message: error.message, extensions }], setCookies: [] };
    }
    const setCookies: string[] = [];
    const requestId = String(request.id ?? '');
    const contextValue: GraphQLContext = {
      actor,
      requestId,
      logger: logger.child({ requestId, via: 'web' }),
      loaders: createLoaders(),
      sessionCookie: {
        issue: (session) => setCookies.push(serializeSessionCookie(session, cookieOptions)),
        clear: () => setCookies.push(serializeClearedSessionCookie(cookieOptions)),
      },
      throttle: operationThrottle({ rateLimits, actor, clientAddress: request.ip ?? 'unknown' }),
    };
    const result = await apollo.executeOperation<Data, Variables>(
      { query: document, variables },
      { contextValue },
    );
    if (result.body.kind !== 'single') throw new Error('The web app does not use incremental delivery');
    const { data, errors } = result.body.singleResult;
    return { data: data ?? null, errors: errors ?? [], setCookies };
  };
}
