import { AuditEntry } from '../audit/AuditEntry';
import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { ValidationError } from '../errors';
import type { Page } from '../pagination';

export type AuditLogPage = Page<AuditEntry>;

/** An account's audit log, newest first, for the admin console. Entry ids grow, so they are the cursor. */
export async function readAccountAuditLog({
  actor,
  accountId,
  first = 50,
  after,
}: {
  actor: Actor;
  accountId: string;
  first?: number | null;
  after?: string | null;
}): Promise<AuditLogPage> {
  requirePlatformAdmin(actor);
  const size = first ?? 50;
  if (!Number.isInteger(size) || size < 1 || size > 100)
    throw ValidationError.forField('first', 'must be between 1 and 100');
  // Entry ids are bigints: more digits than one holds would fail the query rather than match nothing.
  if (after && !/^\d{1,18}$/.test(after))
    throw ValidationError.forField('after', 'is not a cursor returned by this API');
  const query = AuditEntry.query()
    .where({ accountId })
    .orderBy('id', 'desc')
    .limit(size + 1);
  if (after) query.where('id', '<', after);
  const rows = await query;
  const nodes = rows.slice(0, size);
  const cursorOf = (entry: AuditEntry) => String(entry.id);
  return {
    nodes,
    hasNextPage: rows.length > size,
    endCursor: nodes.length > 0 ? cursorOf(nodes.at(-1)!) : null,
    cursorOf,
  };
}
