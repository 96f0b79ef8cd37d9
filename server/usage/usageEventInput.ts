import { z } from 'zod';
import type { ErrorCode } from '../errors';

/** How far back usage may be recorded: a billing period and a few days of grace for late senders. */
export const MAX_EVENT_AGE_DAYS = 35;
/** Clock skew tolerated on event timestamps. */
export const MAX_EVENT_LEAD_MINUTES = 5;
/**
 * The largest quantity of one event (a billion). A period would need nine million events this large to
 * pass 2^53, the largest integer the API's `SafeInt` carries exactly; reads that would still pass it
 * answer that largest integer rather than fail (see usageReads.ts).
 */
export const MAX_USAGE_QUANTITY = 1_000_000_000;

const usageEventSchema = z
  .object({
    accountId: z.string().nullish(),
    externalId: z.string().nullish(),
    meterKey: z.string().trim().min(1, 'is required'),
    quantity: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(MAX_USAGE_QUANTITY, `is at most ${MAX_USAGE_QUANTITY}`),
    occurredAt: z.date(),
    idempotencyKey: z.string().min(1, 'is required').max(200, 'is at most 200 characters'),
    properties: z
      .record(
        z.string().min(1, 'names must not be empty').max(100, 'names are at most 100 characters'),
        z.string('values must be strings').max(500, 'values are at most 500 characters'),
      )
      .refine((properties) => Object.keys(properties).length <= 20, 'holds at most 20 properties')
      .nullish(),
  })
  .refine((event) => !event.accountId !== !event.externalId, {
    path: ['accountId'],
    message: 'give exactly one of accountId or externalId',
  });

export interface CheckedUsageEvent {
  index: number;
  account: { accountId: string } | { externalId: string };
  meterKey: string;
  quantity: number;
  occurredAt: Date;
  idempotencyKey: string;
  properties: Record<string, string>;
}

/** Why one event of a batch was not recorded. */
export interface UsageEventError {
  index: number;
  code: ErrorCode;
  field: string | null;
  message: string;
}

export function rejectEvent(
  index: number,
  code: ErrorCode,
  field: string | null,
  problem: string,
): UsageEventError {
  return { index, code, field, message: field ? `${field}: ${problem}` : problem };
}

/**
 * Validates one event of a batch on its own, so that a bad event never sinks the others. Its time is
 * checked once its account is known (checkUsageEventTime), since an account on a test clock has its
 * own "now".
 */
export function checkUsageEvent(event: unknown, index: number): CheckedUsageEvent | UsageEventError {
  const parsed = usageEventSchema.safeParse(event);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    return rejectEvent(index, 'BAD_USER_INPUT', issue!.path.join('.') || null, issue!.message);
  }
  const { accountId, externalId, properties, ...fields } = parsed.data;
  return {
    index,
    account: accountId ? { accountId } : { externalId: externalId! },
    ...fields,
    properties: properties ?? {},
  };
}

/** An event's time must fall between MAX_EVENT_AGE_DAYS ago and MAX_EVENT_LEAD_MINUTES ahead of `at`. */
export function checkUsageEventTime(event: CheckedUsageEvent, at: Date): UsageEventError | null {
  const age = at.getTime() - event.occurredAt.getTime();
  if (age > MAX_EVENT_AGE_DAYS * 24 * 60 * 60 * 1000) {
    return rejectEvent(
      event.index,
      'BAD_USER_INPUT',
      'occurredAt',
      `is more than ${MAX_EVENT_AGE_DAYS} days ago; usage that old can no longer be recorded`,
    );
  }
  if (-age > MAX_EVENT_LEAD_MINUTES * 60 * 1000) {
    return rejectEvent(
      event.index,
      'BAD_USER_INPUT',
      'occurredAt',
      `is more than ${MAX_EVENT_LEAD_MINUTES} minutes in the future`,
    );
  }
  return null;
}
