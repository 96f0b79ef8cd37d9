import { z } from 'zod';
import { ApiError } from './errors';
import type { FormObject, FormValue } from './form';

/**
 * Zod building blocks for form-encoded parameters. Every value arrives as a string, so numbers and
 * booleans are parsed here, and failures are reported with Stripe's codes and messages.
 */

const INTEGER = 'integer';
const BOOLEAN = 'boolean';

export const p = {
  string: () => z.string(),
  integer: () =>
    z
      .string()
      .regex(/^-?\d+$/, { error: INTEGER })
      .transform(Number),
  nonNegativeInteger: () => z.string().regex(/^\d+$/, { error: INTEGER }).transform(Number),
  boolean: () => z.enum(['true', 'false'], { error: BOOLEAN }).transform((value) => value === 'true'),
  /** Unix seconds, or `now` where Stripe allows it (trial_end, billing_cycle_anchor). */
  timestampOrNow: () => z.union([z.literal('now'), p.integer()], { error: INTEGER }),
  enum: <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values),
  /**
   * Metadata: `metadata[key]=value` sets, `metadata[key]=` removes a key, `metadata=` clears all. Stripe's
   * limits: keys up to 40 characters, values up to 500 (the count, 50, is checked on the result).
   */
  metadata: () =>
    z.union([z.literal(''), z.record(z.string(), z.string())]).superRefine((metadata, issues) => {
      if (metadata === '') return;
      for (const [key, value] of Object.entries(metadata)) {
        if (key.length > METADATA_KEY_LENGTH)
          issues.addIssue({
            code: 'custom',
            path: [key],
            message: `Metadata keys can have up to ${METADATA_KEY_LENGTH} characters, but you passed in a key that is ${key.length} characters.`,
          });
        else if (value.length > METADATA_VALUE_LENGTH)
          issues.addIssue({
            code: 'custom',
            path: [key],
            message: `Metadata values can have up to ${METADATA_VALUE_LENGTH} characters, but you passed in a value that is ${value.length} characters.`,
          });
      }
    }),
  /** A three-letter ISO currency code Stripe knows, any case; refused as Stripe refuses an unknown one. */
  currency: () =>
    z
      .string()
      .transform((code) => code.toLowerCase())
      .superRefine((code, issues) => {
        if (!CURRENCIES.has(code))
          issues.addIssue({
            code: 'custom',
            message: `Invalid currency: ${code}. Stripe currently supports these currencies: ${[...CURRENCIES].join(', ')}`,
          });
      }),
  /** An email address; `''` where the field may be unset. */
  email: () =>
    z.string().superRefine((email, issues) => {
      if (email !== '' && !EMAIL.test(email))
        issues.addIssue({ code: 'custom', message: `Invalid email address: ${email}` });
    }),
  /** `expand[]`, accepted by every endpoint and applied by the router. */
  expand: () => z.array(z.string()).optional(),
  /** A parameter real Stripe accepts that has no effect in the emulator. */
  ignored: () => z.unknown().optional(),
  /** Range filters like `created[gte]=...`, or an exact value. */
  range: () =>
    z.union([
      p.integer(),
      z.strictObject({
        gt: p.integer().optional(),
        gte: p.integer().optional(),
        lt: p.integer().optional(),
        lte: p.integer().optional(),
      }),
    ]),
};

export const paginationShape = {
  limit: p.integer().optional(),
  starting_after: z.string().optional(),
  ending_before: z.string().optional(),
  expand: p.expand(),
};

export type Range = z.infer<ReturnType<typeof p.range>>;

export function inRange(value: number, range: Range | undefined): boolean {
  if (range === undefined) return true;
  if (typeof range === 'number') return value === range;
  if (range.gt !== undefined && !(value > range.gt)) return false;
  if (range.gte !== undefined && !(value >= range.gte)) return false;
  if (range.lt !== undefined && !(value < range.lt)) return false;
  if (range.lte !== undefined && !(value <= range.lte)) return false;
  return true;
}

/** `items[0][price]`: Stripe's spelling of a parameter path. */
export function formatParam(path: ReadonlyArray<PropertyKey>): string {
  return path.map((segment, index) => (index === 0 ? String(segment) : `[${String(segment)}]`)).join('');
}

function valueAt(input: FormValue | undefined, path: ReadonlyArray<PropertyKey>): FormValue | undefined {
  let node: FormValue | undefined = input;
  for (const segment of path) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = (node as Record<string, FormValue>)[String(segment)];
  }
  return node;
}

function toApiError(issue: z.core.$ZodIssue, input: FormObject): ApiError {
  if (issue.code === 'unrecognized_keys')
    return ApiError.parameterUnknown(formatParam([...issue.path, issue.keys[0]]));
  const param = formatParam(issue.path);
  const value = valueAt(input, issue.path);
  if (value === undefined) return ApiError.parameterMissing(param);
  if (issue.message === INTEGER)
    return ApiError.parameterInvalid(param, `Invalid integer: ${String(value)}`, 'parameter_invalid_integer');
  if (issue.message === BOOLEAN) return ApiError.parameterInvalid(param, `Invalid boolean: ${String(value)}`);
  if (issue.code === 'invalid_value') {
    return ApiError.parameterInvalid(
      param,
      `Invalid ${param}: must be one of ${issue.values.map(String).join(', ')}`,
    );
  }
  if (value === '')
    return ApiError.parameterInvalid(
      param,
      `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
      'parameter_invalid_empty',
    );
  if (issue.code === 'invalid_type')
    return ApiError.parameterInvalid(param, `Invalid ${issue.expected} for ${param}.`);
  if (issue.code === 'custom') return ApiError.parameterInvalid(param, issue.message);
  return ApiError.parameterInvalid(param, `Invalid value for ${param}: ${issue.message}`);
}

/** Parses request parameters, throwing the first problem as Stripe would report it. */
export function parseParams<S extends z.ZodType>(schema: S, input: FormObject): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw toApiError(result.error.issues[0], input);
  return result.data;
}

/** ISO 4217 codes (Stripe supports most; the emulator refuses what is not a currency at all). */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((code) => code.toLowerCase()));
/** What Stripe accepts as an address: something@domain.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const METADATA_KEY_LENGTH = 40;
const METADATA_VALUE_LENGTH = 500;
const METADATA_KEYS = 50;

/** Applies a metadata parameter to existing metadata following Stripe's unset rules and its limit of 50 keys. */
export function applyMetadata(
  current: Record<string, string> | null,
  update: '' | Record<string, string> | undefined,
): Record<string, string> {
  if (update === undefined) return { ...(current ?? {}) };
  if (update === '') return {};
  const next = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(update)) {
    if (value === '') delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > METADATA_KEYS)
    throw ApiError.parameterInvalid(
      'metadata',
      `Metadata can have up to ${METADATA_KEYS} keys, but this object would have ${Object.keys(next).length}.`,
    );
  return next;
}
