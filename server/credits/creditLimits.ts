import { z } from 'zod';

/**
 * How large credit figures may be, in milli-credits. One operation (a grant, an adjustment, a
 * consumption) moves at most MAX_CREDIT_AMOUNT (a billion credits), and an account holds at most
 * MAX_CREDIT_BALANCE (a trillion credits). So a balance plus any one operation, and every figure the
 * ledger, Postgres `bigint` and the API's `SafeInt` carry, stay exact integers below 2^53: a read can
 * never fail because of what was written. Beyond them a request is refused with BAD_USER_INPUT.
 */
export const MAX_CREDIT_AMOUNT = 1_000_000_000_000;
export const MAX_CREDIT_BALANCE = 1_000_000_000_000_000;

/** A positive amount of milli-credits one operation may move. */
export const creditAmount = z
  .number()
  .int('must be whole milli-credits')
  .positive('must be positive')
  .max(MAX_CREDIT_AMOUNT, `is at most ${MAX_CREDIT_AMOUNT} milli-credits`);
