import { BaseModel } from '../db/BaseModel';

/** One currency's figures for one calendar month (UTC). Money in minor units, credits in milli-credits. */
export interface RevenueReportFigures {
  currency: string;
  /** Charges that went through in the month (refunded ones included): money in. */
  grossCollected: number;
  /** Refunds Stripe made in the month, whichever month their charge was in. */
  refunded: number;
  /** grossCollected − refunded; negative when a month refunds more than it collects. */
  net: number;
  /** Paid Stripe subscriptions that started in the month. */
  newSubscriptions: number;
  /** Paid Stripe subscriptions that ended in the month. */
  cancellations: number;
  /** MRR at the month's last instant. */
  mrrAtMonthEnd: number;
  /** Milli-credits of the credit purchases that went through in the month. */
  creditsSold: number;
  /** Charges that failed in the month, and what they tried to charge. */
  failedPayments: number;
  failedAmount: number;
}

/** The revenue report of one calendar month: one row per month, replaced when generated again. */
export class RevenueReport extends BaseModel {
  static override tableName = 'revenue_reports';

  id!: string;
  /** YYYY-MM (UTC). */
  month!: string;
  /** By lower-case currency code. */
  figures!: Record<string, RevenueReportFigures>;
  generatedAt!: Date;
  createdAt!: Date;
  updatedAt!: Date;
}
