import { BaseModel } from '../db/BaseModel';

/** An account's automatic top-up: buy `creditPackageId` whenever the balance falls below `threshold`. */
export class AutoTopUpSettings extends BaseModel {
  static override tableName = 'auto_top_up_settings';
  static override idColumn = 'accountId';

  accountId!: string;
  enabled!: boolean;
  /** Milli-credits. */
  threshold!: number;
  creditPackageId!: string;
  /** The payment buying credits right now, if any: at most one at a time. */
  inFlightPaymentId!: string | null;
  consecutiveFailures!: number;
  disabledReason!: string | null;
  lastAttemptAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}
