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
  /** The Stripe test clock the account lives on (server/testClocks/); null for real time. */
  stripeTestClockId!: string | null;
  /** The clock's frozen time: the account's "now" while it is on a clock. */
  testClockTime!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
  deletedAt!: Date | null;
}
