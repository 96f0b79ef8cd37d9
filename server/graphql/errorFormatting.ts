import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError, type ErrorCode } from '../errors';
import type { Logger } from '../logger';

/**
 * Where every error becomes what the client sees: domain errors keep their code, message and details;
 * malformed requests become BAD_USER_INPUT; anything else is logged and masked as INTERNAL.
 */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_FOUND',
]);

export function createErrorFormatter(logger: Logger) {
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return withCode(formatted, original.code, original.message, original.details);
    }
    const apolloCode = formatted.extensions?.code;
    if (typeof apolloCode === 'string' && REQUEST_ERROR_CODES.has(apolloCode)) {
      return withCode(formatted, 'BAD_USER_INPUT', formatted.message, {});
    }
    if (apolloCode === 'UNAUTHENTICATED')
      return withCode(formatted, 'UNAUTHENTICATED', formatted.message, {});
    // A whole request refused for its caller's rate limit (server/graphql/httpContext.ts).
    if (apolloCode === 'RATE_LIMITED')
      return withCode(formatted, 'RATE_LIMITED', formatted.message, {
        retryAfterSeconds: formatted.extensions?.retryAfterSeconds,
      });
    logger.error({ err: original, path: formatted.path }, 'unexpected error in GraphQL request');
    return withCode(formatted, 'INTERNAL', 'Internal server error.', {});
  };
}

function withCode(
  formatted: GraphQLFormattedError,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown>,
): GraphQLFormattedError {
  return { message, locations: formatted.locations, path: formatted.path, extensions: { ...details, code } };
}
