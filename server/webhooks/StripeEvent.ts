import { BaseModel } from '../db/BaseModel';

export type StripeEventStatus = 'received' | 'processed' | 'failed' | 'ignored';

/** The webhook log: one row per Stripe event id, written in the same transaction as the event's effect. */
export class StripeEvent extends BaseModel {
  static override tableName = 'stripe_events';

  id!: string;
  type!: string;
  apiVersion!: string | null;
  livemode!: boolean;
  accountId!: string | null;
  payload!: Record<string, unknown>;
  status!: StripeEventStatus;
  attempts!: number;
  lastError!: string | null;
  stripeCreatedAt!: Date;
  receivedAt!: Date;
  processedAt!: Date | null;
  updatedAt!: Date;
}
