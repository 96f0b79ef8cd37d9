import { Account } from '../accounts/Account';
import { z } from 'zod';
import { ValidationError } from '../errors';

/**
 * The filters the admin console's platform-wide payment and invoice lists share. Amounts are integer
 * minor units of whatever currency each row is in (pick a currency to compare like with like); the date
 * range is [from, to) on when the row was recorded.
 */
export const transactionFilterFields = {
  search: z.string().trim().max(200, 'is at most 200 characters').nullish(),
  currency: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{3}$/, 'is not an ISO 4217 currency code')
    .nullish(),
  amountMin: z.number().int('is a whole number of minor units').min(0, 'is at least 0').nullish(),
  amountMax: z.number().int('is a whole number of minor units').min(0, 'is at least 0').nullish(),
  from: z.date().nullish(),
  to: z.date().nullish(),
};

/** Refuses ranges that can match nothing, rather than answering that nothing matched. */
export function checkRanges(filter: {
  amountMin?: number | null;
  amountMax?: number | null;
  from?: Date | null;
  to?: Date | null;
}): void {
  const problems: Record<string, string> = {};
  if (filter.amountMin != null && filter.amountMax != null && filter.amountMin > filter.amountMax)
    problems['filter.amountMax'] = 'must be at least the minimum amount';
  if (filter.from && filter.to && filter.from >= filter.to) problems['filter.to'] = 'must be after from';
  if (Object.keys(problems).length > 0) throw ValidationError.forFields(problems);
}

/** `%text%` for ILIKE, with the pattern's own wildcards taken literally. */
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** Ids of the accounts whose name, external id or billing email contains the text. */
export function accountsMatching(text: string) {
  const pattern = containing(text);
  return Account.query()
    .select('accounts.id')
    .where((where) =>
      where
        .whereILike('name', pattern)
        .orWhereILike('externalId', pattern)
        .orWhereILike('billingEmail', pattern),
    );
}

/** The payment column a Stripe id is searched in, by its prefix; null for text that is not one. */
export function paymentColumnOfStripeId(search: string): string | null {
  const columns: Record<string, string> = {
    pi: 'stripePaymentIntentId',
    ch: 'stripeChargeId',
    in: 'stripeInvoiceId',
    re: 'stripeRefundId',
    cs: 'stripeCheckoutSessionId',
  };
  const prefix = /^([a-z]{2})_\S+$/.exec(search)?.[1];
  return prefix ? (columns[prefix] ?? null) : null;
}

export const isUuid = (text: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
