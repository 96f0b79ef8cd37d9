import { BaseModel } from '../db/BaseModel';

export const CREDIT_GRANT_SOURCES = [
  'plan_allowance',
  'purchase',
  'promotion',
  'manual_adjustment',
  'refund',
] as const;
export type CreditGrantSource = (typeof CREDIT_GRANT_SOURCES)[number];

/** Spending order (server/credits/spendingOrder.ts): a plan's allowance, which expires, goes before bought credits. */
export const GRANT_PRIORITY = { planAllowance: 0, purchase: 10 } as const;

/**
 * Credits given to an account at once (a plan's allowance for a period, a purchase, a promotion...).
 * `remaining` is a cache of the grant's amount less every allocation drawn from it, kept in the
 * transaction that writes each allocation.
 */
export class CreditGrant extends BaseModel {
  static override tableName = 'credit_grants';

  id!: string;
  accountId!: string;
  source!: CreditGrantSource;
  /** Milli-credits. */
  amount!: number;
  /** Milli-credits not yet consumed, expired or clawed back. */
  remaining!: number;
  /** Spending order: grants with a lower number are consumed first. */
  priority!: number;
  expiresAt!: Date | null;
  paymentId!: string | null;
  subscriptionId!: string | null;
  description!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}
