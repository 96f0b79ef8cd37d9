/**
 * The error catalogue (docs/errors.md). Domain code throws these; server/graphql/errorFormatting.ts and
 * server/http/errorResponses.ts turn them into GraphQL `extensions.code` and HTTP statuses, and mask
 * everything else as INTERNAL.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'QUERY_TOO_COMPLEX',
  'CONFLICT',
  'INSUFFICIENT_CREDITS',
  'LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'PAYMENT_PROVIDER_ERROR',
  'NO_DEFAULT_PLAN',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  QUERY_TOO_COMPLEX: 400,
  CONFLICT: 409,
  INSUFFICIENT_CREDITS: 402,
  LIMIT_EXCEEDED: 403,
  RATE_LIMITED: 429,
  PAYMENT_PROVIDER_ERROR: 502,
  NO_DEFAULT_PLAN: 503,
  INTERNAL: 500,
};

/** Base of every error a client may see. `details` must be safe to show to the caller. */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'Sign in or provide an API key.') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'You are not allowed to do this.', details?: Record<string, unknown>) {
    super(message, details);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(resource: string, details?: Record<string, unknown>) {
    super(`${resource} not found.`, { resource, ...details });
  }
}

/**
 * What a caller sees of an unexpected failure reported inside a payload (a batch's item), as
 * errorFormatting.ts masks one raised from a resolver: the failure itself is logged, never shown.
 */
export class InternalError extends DomainError {
  readonly code = 'INTERNAL';
  constructor() {
    super('Internal server error.');
  }
}

/** One or more fields are invalid; `fieldErrors` maps an input path to what is wrong with it. */
export class ValidationError extends DomainError {
  readonly code = 'BAD_USER_INPUT';
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string> = {},
  ) {
    super(message, { fieldErrors });
  }

  static forField(field: string, problem: string): ValidationError {
    return new ValidationError(`${field}: ${problem}`, { [field]: problem });
  }

  /** Every problem found at once, by field path; the message lists them all. */
  static forFields(problems: Record<string, string>): ValidationError {
    const message = Object.entries(problems)
      .map(([field, problem]) => `${field}: ${problem}`)
      .join('; ');
    return new ValidationError(message, problems);
  }
}

/** The limits a GraphQL document must keep (server/graphql/validationRules.ts). */
export type QueryLimit = 'tokens' | 'fragments' | 'depth' | 'aliases' | 'directives' | 'cost';

/** A GraphQL document beyond one of the query limits: refused before anything ran. */
export class QueryTooComplexError extends DomainError {
  readonly code = 'QUERY_TOO_COMPLEX';
  constructor(limit: QueryLimit, maximum: number, found?: number) {
    const measured = found === undefined ? '' : ` (found ${found})`;
    super(`The query exceeds the ${limit} limit of ${maximum}${measured}.`, {
      limit,
      maximum,
      ...(found !== undefined && { found }),
    });
  }
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

export class InsufficientCreditsError extends DomainError {
  readonly code = 'INSUFFICIENT_CREDITS';
  constructor(
    readonly balance: number,
    readonly required: number,
  ) {
    super(`Not enough credits: ${required} milli-credits required, ${balance} available.`, {
      balance,
      required,
    });
  }
}

export class LimitExceededError extends DomainError {
  readonly code = 'LIMIT_EXCEEDED';
  constructor(featureKey: string, limit: number, used: number, requested = 1, message?: string) {
    super(
      message ?? `The plan allows ${limit} of ${featureKey}; ${used} in use, ${requested} more requested.`,
      {
        featureKey,
        limit,
        used,
        requested,
      },
    );
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    const wait =
      retryAfterSeconds < 60 ? `${retryAfterSeconds} s` : `${Math.ceil(retryAfterSeconds / 60)} min`;
    super(`Too many attempts; try again in ${wait}.`, { retryAfterSeconds });
  }
}

/** Stripe failed or refused; the message is ours, the provider's raw error stays in the logs. */
export class PaymentProviderError extends DomainError {
  readonly code = 'PAYMENT_PROVIDER_ERROR';
}

/**
 * Every new account starts on the catalog's default plan, so none can be created before the operator
 * has one (a fresh production install starts with an empty catalog). Nothing was created.
 */
export class NoDefaultPlanError extends DomainError {
  readonly code = 'NO_DEFAULT_PLAN';
  constructor() {
    super(
      'New accounts cannot be created yet: the catalog has no default plan. A platform admin must add one first.',
    );
  }
}
