import { BaseModel } from '../db/BaseModel';

/** A sign-up waiting for its address to be confirmed by the emailed link. */
export class SignUpRequest extends BaseModel {
  static override tableName = 'sign_up_requests';

  id!: string;
  email!: string;
  name!: string;
  accountName!: string;
  passwordHash!: string;
  /** Null until the email carrying its link is sent; only the token's SHA-256 is kept. */
  tokenHash!: string | null;
  createdAt!: Date;
  expiresAt!: Date;
  completedAt!: Date | null;
}
