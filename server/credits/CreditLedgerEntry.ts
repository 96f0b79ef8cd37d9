import { BaseModel } from '../db/BaseModel';

export const CREDIT_LEDGER_ENTRY_TYPES = [
  'grant',
  'consumption',
  'expiry',
  'adjustment',
  'refund_clawback',
] as const;
export type CreditLedgerEntryType = (typeof CREDIT_LEDGER_ENTRY_TYPES)[number];

/** One change to an account's credits. Append-only: corrections are new entries. */
export class CreditLedgerEntry extends BaseModel {
  static override tableName = 'credit_ledger_entries';

  id!: number;
  accountId!: string;
  entryType!: CreditLedgerEntryType;
  /** Milli-credits: positive adds to the balance, negative takes from it. */
  amount!: number;
  balanceAfter!: number;
  /** The grant this entry created (grants, positive adjustments) or wrote off (expiries). */
  grantId!: string | null;
  referenceType!: string | null;
  referenceId!: string | null;
  idempotencyKey!: string | null;
  description!: string | null;
  actorType!: string | null;
  actorId!: string | null;
  createdAt!: Date;
}
