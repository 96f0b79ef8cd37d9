import { BaseModel } from '../db/BaseModel';

/** One row of the append-only audit log. */
export class AuditEntry extends BaseModel {
  static override tableName = 'audit_log';

  id!: number;
  accountId!: string | null;
  actorType!: 'user' | 'api_key' | 'system' | 'stripe';
  actorId!: string | null;
  action!: string;
  targetType!: string | null;
  targetId!: string | null;
  reason!: string | null;
  details!: Record<string, unknown>;
  createdAt!: Date;
}
