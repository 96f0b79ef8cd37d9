import { BaseModel } from '../db/BaseModel';

export class Session extends BaseModel {
  static override tableName = 'sessions';

  id!: string;
  userId!: string;
  tokenHash!: string;
  createdAt!: Date;
  lastSeenAt!: Date;
  expiresAt!: Date;
  revokedAt!: Date | null;
}
