import { BaseModel } from '../db/BaseModel';

/** A Checkout we opened: what is being bought, by whom, and whether the webhook has completed it. */
export class CheckoutSession extends BaseModel {
  static override tableName = 'checkout_sessions';

  id!: string;
  accountId!: string;
  purpose!: 'subscription' | 'credit_top_up';
  planId!: string | null;
  quantity!: number;
  creditPackageId!: string | null;
  status!: 'open' | 'completed' | 'expired';
  stripeCheckoutSessionId!: string | null;
  url!: string | null;
  createdByUserId!: string | null;
  completedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}
