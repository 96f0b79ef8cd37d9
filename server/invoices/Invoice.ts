import type { RelationMappings } from 'objection';
import { BaseModel } from '../db/BaseModel';
import { InvoiceLine } from './InvoiceLine';

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

/** Our mirror of a Stripe invoice, kept current by webhooks. Amounts in minor units of `currency`. */
export class Invoice extends BaseModel {
  static override tableName = 'invoices';

  id!: string;
  accountId!: string;
  subscriptionId!: string | null;
  stripeInvoiceId!: string;
  number!: string | null;
  status!: InvoiceStatus;
  billingReason!: string | null;
  currency!: string;
  subtotal!: number;
  tax!: number;
  total!: number;
  amountPaid!: number;
  amountDue!: number;
  amountRemaining!: number;
  periodStart!: Date | null;
  periodEnd!: Date | null;
  dueDate!: Date | null;
  paidAt!: Date | null;
  hostedInvoiceUrl!: string | null;
  invoicePdfUrl!: string | null;
  issuedAt!: Date;
  createdAt!: Date;
  updatedAt!: Date;

  lines?: InvoiceLine[];

  static override get relationMappings(): RelationMappings {
    return {
      lines: {
        relation: BaseModel.HasManyRelation,
        modelClass: InvoiceLine,
        join: { from: 'invoices.id', to: 'invoice_lines.invoiceId' },
      },
    };
  }
}
