import { BaseModel } from '../db/BaseModel';

/** The cached balance of an account: always the sum of its ledger entries, never below zero. */
export class CreditBalance extends BaseModel {
  static override tableName = 'credit_balances';
  static override idColumn = 'accountId';

  accountId!: string;
  /** Milli-credits. */
  balance!: number;
  lastLedgerEntryId!: number | null;
  lowBalanceNotifiedAt!: Date | null;
  updatedAt!: Date;
}
