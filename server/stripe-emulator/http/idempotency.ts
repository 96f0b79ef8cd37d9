import type { IdempotentResponse } from '../store/types';
import type { Store } from '../store/store';
import { ApiError } from './errors';
import type { FormObject } from './form';

/** Stripe keeps idempotency keys for at least 24 hours. */
const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** The SDK sends a key with every POST, so the cache is also bounded by size. */
const MAX_KEYS = 20_000;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function fingerprint(method: string, path: string, params: FormObject): string {
  return `${method} ${path} ${canonical(params)}`;
}

/**
 * Saved responses by Idempotency-Key. A repeated key with the same request replays the saved response;
 * with different parameters it is Stripe's 400 `idempotency_error`; while the first request is still
 * running it is 409 `idempotency_key_in_use`.
 */
export class IdempotencyCache {
  private readonly inFlight = new Set<string>();

  constructor(private readonly store: Store) {}

  private get saved(): Record<string, IdempotentResponse> {
    return this.store.extras.idempotency;
  }

  /** Returns the saved response to replay, or undefined to run the request (which is then marked in flight). */
  begin(key: string, print: string): IdempotentResponse | undefined {
    const saved = this.saved[key];
    if (saved && Date.now() - saved.savedAt > KEY_LIFETIME_MS) delete this.saved[key];
    const current = this.saved[key];
    if (current) {
      if (current.fingerprint !== print) {
        throw new ApiError(
          400,
          {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          },
          false,
        );
      }
      return current;
    }
    if (this.inFlight.has(key)) {
      throw new ApiError(
        409,
        {
          type: 'invalid_request_error',
          code: 'idempotency_key_in_use',
          message:
            'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' +
            key +
            '. Please try again later.',
        },
        false,
      );
    }
    this.inFlight.add(key);
    return undefined;
  }

  finish(key: string, response: Omit<IdempotentResponse, 'savedAt'> | null): void {
    this.inFlight.delete(key);
    if (!response) return;
    this.saved[key] = { ...response, savedAt: Date.now() };
    const keys = Object.keys(this.saved);
    for (let i = 0; i < keys.length - MAX_KEYS; i += 1) delete this.saved[keys[i]];
    this.store.changed();
  }
}
