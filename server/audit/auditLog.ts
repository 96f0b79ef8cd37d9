import type { Knex } from 'knex';
import { describeActor, type Actor } from '../auth/actor';
import { AuditEntry } from './AuditEntry';

/**
 * Records who did what. Pass the transaction of the change itself, so the entry exists if and only
 * if the change does.
 */
export async function recordAudit({
  trx,
  actor,
  accountId,
  action,
  target,
  reason,
  details = {},
}: {
  trx?: Knex.Transaction;
  actor: Actor;
  accountId: string | null;
  action: string;
  target?: { type: string; id: string };
  reason?: string;
  details?: Record<string, unknown>;
}): Promise<void> {
  const { actorType, actorId } = describeActor(actor);
  await AuditEntry.query(trx).insert({
    accountId,
    actorType,
    actorId,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    reason: reason ?? null,
    details,
  });
}
