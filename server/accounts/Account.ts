import { BaseModel } from '../db/BaseModel';

export class Account extends BaseModel {
  static override tableName = 'accounts';

  id!: string;
  name!: string;
  billingEmail!: string | null;
  /** The partner's own id for this account. */
  externalId!: string | null;
  currency!: string;
  /** The language its notices are written in (a BCP 47 tag); null: English. */
  locale!: string | null;
  /** The IANA time zone the account's dates are shown in. */
  timeZone!: string;
  stripeCustomerId!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
  deletedAt!: Date | null;
}
