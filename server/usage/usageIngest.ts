import type { Knex } from 'knex';
import { Model } from 'objection';

export interface NewUsageEvent {
  accountId: string;
  meterId: string;
  quantity: number;
  occurredAt: Date;
  idempotencyKey: string;
  properties: Record<string, string>;
}

/**
 * Stores usage events and folds them into the hourly and daily rollups, atomically (in the caller's
 * transaction when it passes `trx`), in one round trip. Events whose account already holds their
 * idempotency key are skipped, and only the events stored reach the rollups. Returns how many were
 * stored. The set-based SQL, and why it is a function, are in migrations/20260102000200_usage_ingest.ts.
 */
export async function insertUsageEvents({
  trx,
  events,
}: {
  trx?: Knex.Transaction;
  events: NewUsageEvent[];
}): Promise<number> {
  if (events.length === 0) return 0;
  const { rows } = await (trx ?? Model.knex())
    .raw<{ rows: Array<{ inserted: number }> }>(
      `select ingest_usage_events(?::uuid[], ?::uuid[], ?::bigint[], ?::timestamptz[], ?::text[], ?::jsonb[]) as inserted`,
      [
        events.map((event) => event.accountId),
        events.map((event) => event.meterId),
        events.map((event) => event.quantity),
        events.map((event) => event.occurredAt.toISOString()),
        events.map((event) => event.idempotencyKey),
        events.map((event) => JSON.stringify(event.properties)),
      ],
    )
    .options({ name: 'ingest-usage-events' });
  return rows[0]!.inserted;
}
