import type { Knex } from 'knex';
import { ledgerKey } from './accountLedger';
import type { CreditLedgerEntry } from './CreditLedgerEntry';

/** A consumption as it was applied: what a retry with its key answers. */
export interface ConsumptionRecord {
  idempotencyKey: string;
  meterId: string | null;
  quantity: number | null;
  /** What the caller said it was for; part of the request, so a retry must say the same. */
  description: string | null;
  /** Units of the meter the plan's allowance covered. */
  includedQuantity: number;
  /** Milli-credits charged. */
  amount: number;
  balanceAfter: number;
  ledgerEntry: CreditLedgerEntry | null;
}

/**
 * The consumptions already applied under these keys, from their ledger entries (read with the ledger's
 * lock) and, for consumptions by meter, the row saying what the allowance covered (the only record of
 * one the allowance covered entirely, which charged nothing).
 */
export async function findEarlierConsumptions({
  trx,
  accountId,
  idempotencyKeys,
  ledgerEntries,
  anyByMeter,
}: {
  trx: Knex.Transaction;
  accountId: string;
  idempotencyKeys: string[];
  /** The ledger's entries under `consumption:<key>` for these keys. */
  ledgerEntries: CreditLedgerEntry[];
  anyByMeter: boolean;
}): Promise<Map<string, ConsumptionRecord>> {
  const prefix = ledgerKey('consumption', '');
  const records = new Map<string, ConsumptionRecord>(
    ledgerEntries.map((entry) => {
      const idempotencyKey = entry.idempotencyKey!.slice(prefix.length);
      return [
        idempotencyKey,
        {
          idempotencyKey,
          meterId: null,
          quantity: null,
          description: entry.description,
          includedQuantity: 0,
          amount: -entry.amount,
          balanceAfter: entry.balanceAfter,
          ledgerEntry: entry,
        },
      ];
    }),
  );
  if (!anyByMeter && ledgerEntries.length === 0) return records;

  const metered: Array<Omit<ConsumptionRecord, 'ledgerEntry'> & { ledgerEntryId: number | null }> = await trx(
    'meteredCreditConsumptions',
  )
    .where({ accountId })
    .whereIn('idempotencyKey', idempotencyKeys);
  for (const { ledgerEntryId, ...record } of metered) {
    records.set(record.idempotencyKey, {
      ...record,
      ledgerEntry: ledgerEntries.find((entry) => entry.id === ledgerEntryId) ?? null,
    });
  }
  return records;
}

export async function insertMeteredConsumptions({
  trx,
  accountId,
  records,
  at,
}: {
  trx: Knex.Transaction;
  accountId: string;
  records: ConsumptionRecord[];
  at: Date;
}): Promise<void> {
  if (records.length === 0) return;
  await trx.raw(
    `insert into metered_credit_consumptions (account_id, idempotency_key, meter_id, quantity, included_quantity, amount, balance_after,
                                              ledger_entry_id, description, created_at)
     select :accountId, r.*, :at from unnest(:keys::text[], :meterIds::uuid[], :quantities::bigint[], :included::bigint[], :amounts::bigint[],
                                             :balancesAfter::bigint[], :ledgerEntryIds::bigint[], :descriptions::text[]) as r`,
    {
      accountId,
      at: at.toISOString(),
      keys: records.map((record) => record.idempotencyKey),
      meterIds: records.map((record) => record.meterId),
      quantities: records.map((record) => record.quantity),
      included: records.map((record) => record.includedQuantity),
      amounts: records.map((record) => record.amount),
      balancesAfter: records.map((record) => record.balanceAfter),
      ledgerEntryIds: records.map((record) => record.ledgerEntry?.id ?? null),
      descriptions: records.map((record) => record.description),
    },
  );
}
