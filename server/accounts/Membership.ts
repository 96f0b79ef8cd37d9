import { BaseModel } from '../db/BaseModel';

export const MEMBERSHIP_ROLES = ['owner', 'admin', 'member'] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

export class Membership extends BaseModel {
  static override tableName = 'memberships';

  id!: string;
  accountId!: string;
  userId!: string;
  role!: MembershipRole;
  createdAt!: Date;
  updatedAt!: Date;
}
