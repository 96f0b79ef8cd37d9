import { BaseModel } from '../db/BaseModel';

export class ApiKey extends BaseModel {
  static override tableName = 'api_keys';

  id!: string;
  name!: string;
  /** Public part of the key, shown in lists and used to find the row. */
  prefix!: string;
  secretHash!: string;
  scopes!: string[];
  /** When set, the key acts for this account only; otherwise for every account of the platform. */
  accountId!: string | null;
  /** Origins it may send customers back to from Checkout and the portal (server/returnUrls.ts). */
  returnOrigins!: string[];
  createdByUserId!: string | null;
  createdAt!: Date;
  lastUsedAt!: Date | null;
  expiresAt!: Date | null;
  revokedAt!: Date | null;
}
