import { accountClockTime } from '../testClocks/accountTime';
import { Account } from '../accounts/Account';
import type { Actor } from '../auth/actor';
import { assertPermission, requireAuthenticated } from '../auth/authorization';
import { Meter } from '../catalog/Meter';
import { now } from '../clock';
import { NotFoundError, ValidationError } from '../errors';
import {
  checkUsageEvent,
  checkUsageEventTime,
  rejectEvent,
  type CheckedUsageEvent,
  type UsageEventError,
} from './usageEventInput';
import { forgetRecentChecks } from '../entitlements/entitlementProfile';
import { usageEventsIngested } from '../observability/metrics';
import { insertUsageEvents, type NewUsageEvent } from './usageIngest';

export const MAX_EVENTS_PER_BATCH = 1000;

export interface UsageBatchResult {
  /** Events stored by this call. */
  accepted: number;
  /** Events ignored because their account already had their idempotency key (stored, or earlier in the batch). */
  duplicates: number;
  rejected: number;
  errors: UsageEventError[];
}

/**
 * Records a partner's batch of usage events. Each event stands alone: a bad one is reported by its
 * index and the good ones are stored; a repeated idempotency key is counted and ignored, so a whole
 * batch can be retried safely (docs/decisions/009-partial-acceptance-of-usage-batches.md). Stored
 * events reach the rollups in the same statement.
 */
export async function recordUsage({
  actor,
  events,
}: {
  actor: Actor;
  events: unknown[];
}): Promise<UsageBatchResult> {
  requireAuthenticated(actor);
  if (events.length === 0 || events.length > MAX_EVENTS_PER_BATCH) {
    throw ValidationError.forField(
      'events',
      `must hold between 1 and ${MAX_EVENTS_PER_BATCH} events; got ${events.length}`,
    );
  }
  const at = now();
  const errors: UsageEventError[] = [];
  const checked: CheckedUsageEvent[] = [];
  events.forEach((event, index) => {
    const result = checkUsageEvent(event, index);
    if ('code' in result) errors.push(result);
    else checked.push(result);
  });

  const [accountIds, meters] = await Promise.all([
    recordableAccounts(actor, checked),
    activeMetersByKey(checked),
  ]);
  // An account on a test clock records at its clock's time (server/testClocks/).
  const timeOf = new Map<string, Date>();
  for (const accountId of accountIds.byId.values())
    timeOf.set(accountId, (await accountClockTime({ accountId })) ?? at);
  const rows: NewUsageEvent[] = [];
  const seen = new Set<string>();
  let repeatedInBatch = 0;
  for (const event of checked) {
    const accountId =
      'accountId' in event.account
        ? accountIds.byId.get(event.account.accountId.toLowerCase())
        : accountIds.byExternalId.get(event.account.externalId);
    const meter = meters.get(event.meterKey);
    const lateOrEarly = accountId ? checkUsageEventTime(event, timeOf.get(accountId)!) : null;
    if (!accountId)
      errors.push(
        rejectEvent(
          event.index,
          'NOT_FOUND',
          'accountId' in event.account ? 'accountId' : 'externalId',
          'no such account',
        ),
      );
    else if (lateOrEarly) errors.push(lateOrEarly);
    else if (!meter)
      errors.push(
        rejectEvent(event.index, 'BAD_USER_INPUT', 'meterKey', `${event.meterKey} is not an active meter`),
      );
    else if (meter.aggregation === 'count' && event.quantity !== 1)
      errors.push(
        rejectEvent(
          event.index,
          'BAD_USER_INPUT',
          'quantity',
          `must be 1: ${meter.key} counts events, so send one event per occurrence`,
        ),
      );
    else if (seen.has(`${accountId} ${event.idempotencyKey}`)) repeatedInBatch += 1;
    else {
      seen.add(`${accountId} ${event.idempotencyKey}`);
      rows.push({
        accountId,
        meterId: meter.id,
        quantity: event.quantity,
        occurredAt: event.occurredAt,
        idempotencyKey: event.idempotencyKey,
        properties: event.properties,
      });
    }
  }

  const accepted = await insertUsageEvents({ events: rows });
  usageEventsIngested.inc(accepted);
  // Recent entitlement answers of these accounts count the usage just recorded no longer.
  for (const accountId of new Set(rows.map((row) => row.accountId))) forgetRecentChecks(accountId);
  errors.sort((a, b) => a.index - b.index);
  return { accepted, duplicates: repeatedInBatch + rows.length - accepted, rejected: errors.length, errors };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The accounts the events name that the actor may record usage for. Accounts it cannot see are left
 * out (their events are reported as not found); a caller who lacks the permission altogether is
 * refused for the whole batch.
 */
async function recordableAccounts(actor: Actor, events: CheckedUsageEvent[]) {
  const ids = new Set<string>();
  const externalIds = new Set<string>();
  for (const { account } of events) {
    if ('accountId' in account) {
      if (UUID.test(account.accountId)) ids.add(account.accountId.toLowerCase());
    } else externalIds.add(account.externalId);
  }
  // Only what the permission check and the mapping read: ingest runs this for every batch.
  const accounts = await Account.query()
    .select('id', 'externalId')
    .whereNull('deletedAt')
    .where((query) => query.whereIn('id', [...ids]).orWhereIn('externalId', [...externalIds]));
  const byId = new Map<string, string>();
  const byExternalId = new Map<string, string>();
  for (const account of accounts) {
    try {
      await assertPermission({ actor, account, permission: 'usage.record' });
    } catch (error) {
      if (error instanceof NotFoundError) continue;
      throw error;
    }
    byId.set(account.id, account.id);
    if (account.externalId) byExternalId.set(account.externalId, account.id);
  }
  return { byId, byExternalId };
}

async function activeMetersByKey(events: CheckedUsageEvent[]): Promise<Map<string, Meter>> {
  const keys = [...new Set(events.map((event) => event.meterKey))];
  const meters = await Meter.query().whereIn('key', keys).where('active', true);
  return new Map(meters.map((meter) => [meter.key, meter]));
}
