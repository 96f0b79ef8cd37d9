/** The codes of the service's error catalogue (docs/errors.md): every error a caller can see has one. */
export const BILLING_ERROR_CODES = [
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

export type BillingErrorCode = (typeof BILLING_ERROR_CODES)[number];

/** One entry of a GraphQL response's `errors`, as the service writes it. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; fieldErrors?: Record<string, string> } & Record<string, unknown>;
}

/**
 * A request the service refused or failed. `code` is the catalogue's stable code; for bad input,
 * `field` names the first field refused (`fieldErrors` has them all, by input path such as `successUrl`
 * or `events.3.quantity`) and nothing was changed. The other `extensions` (`balance` and `required` of
 * INSUFFICIENT_CREDITS, `limit` and `used` of LIMIT_EXCEEDED...) are in `extensions`.
 */
export class BillingApiError extends Error {
  override readonly name = 'BillingApiError';
  readonly code: BillingErrorCode;
  readonly field: string | null;
  readonly fieldErrors: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, unknown>>;
  /** The HTTP status of the response (200 for an operation's own error, as GraphQL answers them). */
  readonly status: number;
  /** Whole seconds until a retry can succeed, for RATE_LIMITED. */
  readonly retryAfterSeconds: number | null;
  /** Every error of the response, this one first. */
  readonly errors: readonly GraphQLErrorEntry[];

  constructor({ errors, status }: { errors: readonly GraphQLErrorEntry[]; status: number }) {
    const [first] = errors;
    super(first?.message ?? `The billing service answered HTTP ${status}.`);
    const extensions = first?.extensions ?? {};
    this.code = knownCode(extensions.code) ?? codeForStatus(status);
    this.fieldErrors = extensions.fieldErrors ?? {};
    this.field = Object.keys(this.fieldErrors)[0] ?? null;
    this.extensions = extensions;
    this.status = status;
    this.retryAfterSeconds =
      typeof extensions.retryAfterSeconds === 'number' ? extensions.retryAfterSeconds : null;
    this.errors = errors;
  }
}

/** True for a BillingApiError, of one of `codes` when they are given. */
export function isBillingApiError(error: unknown, ...codes: BillingErrorCode[]): error is BillingApiError {
  return error instanceof BillingApiError && (codes.length === 0 || codes.includes(error.code));
}

function knownCode(code: unknown): BillingErrorCode | undefined {
  return BILLING_ERROR_CODES.find((known) => known === code);
}

/** For an answer that is not the service's JSON (a proxy's error page): the code its status implies. */
function codeForStatus(status: number): BillingErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 429) return 'RATE_LIMITED';
  return 'INTERNAL';
}
