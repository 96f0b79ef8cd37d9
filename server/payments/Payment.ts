import { isSimulatedTime, now } from '../clock';
import { BaseModel } from '../db/BaseModel';

export const PAYMENT_TYPES = [
  'subscription_payment',
  'subscription_upgrade',
  'subscription_downgrade',
  'subscription_cancel',
  'credit_top_up',
  'refund',
] as const;
export type PaymentType = (typeof PAYMENT_TYPES)[number];
export type PaymentStatus = 'pending' | 'completed' | 'failed' | 'refunded' | 'cancelled';

/** Money moving (the seeds' "transactions"): one row per charge or refund, amounts in minor units. */
export class Payment extends BaseModel {
  static override tableName = 'payments';

  id!: string;
  accountId!: string;
  type!: PaymentType;
  status!: PaymentStatus;
  amount!: number;
  amountRefunded!: number;
  currency!: string;
  description!: string | null;
  planId!: string | null;
  subscriptionId!: string | null;
  invoiceId!: string | null;
  creditPackageId!: string | null;
  /** Milli-credits bought, for credit top-ups. */
  credits!: number | null;
  refundedPaymentId!: string | null;
  /** Charged off-session by automatic top-up rather than by the customer at Checkout. */
  automatic!: boolean;
  stripeCheckoutSessionId!: string | null;
  stripePaymentIntentId!: string | null;
  stripeInvoiceId!: string | null;
  stripeChargeId!: string | null;
  stripeRefundId!: string | null;
  failureReason!: string | null;
  metadata!: Record<string, unknown>;
  completedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;

  /** A payment of an account on a test clock is dated by its clock (server/testClocks/), else by Postgres. */
  override $beforeInsert(): void {
    if (isSimulatedTime()) this.createdAt ??= now();
  }
}
