import { BaseModel } from '../db/BaseModel';

export type InvoiceLineKind = 'subscription' | 'proration' | 'usage_overage' | 'credit_package' | 'other';

export class InvoiceLine extends BaseModel {
  static override tableName = 'invoice_lines';

  id!: string;
  invoiceId!: string;
  accountId!: string;
  stripeLineId!: string;
  kind!: InvoiceLineKind;
  description!: string | null;
  /** Minor units; negative for credits such as unused time on a prorated plan change. */
  amount!: number;
  currency!: string;
  quantity!: number | null;
  periodStart!: Date | null;
  periodEnd!: Date | null;
  planId!: string | null;
}
