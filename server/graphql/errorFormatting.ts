import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError, type ErrorCode } from '../errors';
import type { Logger } from '../logger';
import { tokenLimitExceeded } from './validationRules';

/**
 * Where every error becomes what the client sees: domain errors keep their code, message and details
 * (also those raised before execution, by a validation rule or the input check, which GraphQL wraps);
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
    const original = domainErrorOf(error);
    if (original) return withCode(formatted, original.code, original.message, original.details);
    const apolloCode = formatted.extensions?.code;
    if (apolloCode === 'GRAPHQL_PARSE_FAILED') {
      const tooLong = tokenLimitExceeded(formatted.message);
      if (tooLong) return withCode(formatted, tooLong.code, tooLong.message, tooLong.details);
    }
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
    logger.error(
      { err: unwrapResolverError(error), path: formatted.path },
      'unexpected error in GraphQL request',
    );
    return withCode(formatted, 'INTERNAL', 'Internal server error.', {});
  };
}

function domainErrorOf(error: unknown): DomainError | null {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) return original;
  if (original instanceof GraphQLError && original.originalError instanceof DomainError)
    return original.originalError;
  return null;
}

function withCode(
  formatted: GraphQLFormattedError,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown>,
): GraphQLFormattedError {
  return { message, locations: formatted.locations, path: formatted.path, extensions: { ...details, code } };
}
