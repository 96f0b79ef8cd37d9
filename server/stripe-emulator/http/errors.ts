import type Stripe from 'stripe';

export type ErrorType =
  'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error' | 'authentication_error';

/** The body of Stripe's `{ error: ... }` envelope. */
export interface ErrorBody {
  type: ErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  request_log_url?: string;
  charge?: string;
  payment_intent?: Stripe.PaymentIntent;
  payment_method?: Stripe.PaymentMethod;
  setup_intent?: Stripe.SetupIntent;
}

/**
 * An API error, thrown anywhere below a route and turned into Stripe's error response by the router.
 * `replayable` says whether an Idempotency-Key should remember it: Stripe does not save responses to
 * requests that failed validation before any work started, so a corrected retry with the same key works.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly replayable = true,
  ) {
    super(body.message);
    this.name = 'ApiError';
    if (body.code && !body.doc_url)
      body.doc_url = `https://docs.stripe.com/error-codes/${body.code.replace(/_/g, '-')}`;
  }

  static invalid(
    message: string,
    extra: { param?: string; code?: string; replayable?: boolean } = {},
  ): ApiError {
    const { replayable, ...rest } = extra;
    return new ApiError(400, { type: 'invalid_request_error', message, ...rest }, replayable ?? true);
  }

  static missing(resourceName: string, id: string, param = 'id'): ApiError {
    return new ApiError(404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: `No such ${resourceName}: '${id}'`,
      param,
    });
  }

  static parameterMissing(param: string): ApiError {
    return new ApiError(
      400,
      {
        type: 'invalid_request_error',
        code: 'parameter_missing',
        message: `Missing required param: ${param}.`,
        param,
      },
      false,
    );
  }

  static parameterUnknown(param: string): ApiError {
    return new ApiError(
      400,
      {
        type: 'invalid_request_error',
        code: 'parameter_unknown',
        message: `Received unknown parameter: ${param}`,
        param,
      },
      false,
    );
  }

  static parameterInvalid(param: string, message: string, code = 'parameter_invalid'): ApiError {
    return new ApiError(400, { type: 'invalid_request_error', code, message, param }, false);
  }

  static authentication(message: string): ApiError {
    return new ApiError(401, { type: 'invalid_request_error', message }, false);
  }

  static notFound(method: string, path: string): ApiError {
    return new ApiError(
      404,
      {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${method}: ${path}). The Stripe emulator does not implement this endpoint; see docs/stripe-emulator.md.`,
      },
      false,
    );
  }

  static stateTransition(message: string, param?: string): ApiError {
    return ApiError.invalid(message, { param, code: 'status_transition_invalid' });
  }
}
