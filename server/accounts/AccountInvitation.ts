import { BaseModel } from '../db/BaseModel';
import type { MembershipRole } from './Membership';

/** An invitation to join an account, bound to one address (docs/decisions/045). */
export class AccountInvitation extends BaseModel {
  static override tableName = 'account_invitations';

  id!: string;
  accountId!: string;
  /** Lower case: an invitation is for one address, whatever case it is typed in. */
  email!: string;
  role!: MembershipRole;
  invitedByUserId!: string | null;
  /** Null until the notice carrying its link is sent, and again when it is re-sent. */
  tokenHash!: string | null;
  expiresAt!: Date;
  acceptedAt!: Date | null;
  acceptedByUserId!: string | null;
  revokedAt!: Date | null;
  createdAt!: Date;
}
