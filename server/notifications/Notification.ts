import { BaseModel } from '../db/BaseModel';

export type NotificationStatus = 'pending' | 'sent' | 'failed' | 'skipped';

/** One message in the outbox: written with the change that caused it, delivered by a job. */
export class Notification extends BaseModel {
  static override tableName = 'notifications';

  id!: string;
  accountId!: string | null;
  userId!: string | null;
  kind!: string;
  channel!: 'email';
  recipient!: string;
  subject!: string;
  bodyText!: string;
  /** The same message in HTML, in the operator's layout; null for messages queued before HTML existed. */
  bodyHtml!: string | null;
  status!: NotificationStatus;
  attempts!: number;
  lastError!: string | null;
  /** At most one notification per key, ever: how a notice is sent once however often its cause repeats. */
  dedupeKey!: string | null;
  sendAfter!: Date;
  /** The reset whose one-time link this message carries, created when it is sent. */
  passwordResetTokenId!: string | null;
  /** The sign-up whose confirmation link this message carries, created when it is sent. */
  signUpRequestId!: string | null;
  /** The invitation whose link this message carries, created when it is sent. */
  accountInvitationId!: string | null;
  sentAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}
