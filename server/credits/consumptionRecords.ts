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

/** What to look up for one account: the keys its consumptions carry and what the ledger holds under them. */
export interface EarlierConsumptionsQuery {
  accountId: string;
  idempotencyKeys: string[];
  /** The ledger's entries under `consumption:<key>` for these keys. */
  ledgerEntries: CreditLedgerEntry[];
  anyByMeter: boolean;
}

/**
 * The consumptions already applied under these keys, per account, from their ledger entries (read with
 * the ledger's lock) and, for consumptions by meter, the row saying what the allowance covered (the only
 * record of one the allowance covered entirely, which charged nothing). One query for all the accounts,
 * and none when no account has consumptions by meter or entries under its keys.
 */
export async function findEarlierConsumptions({
  trx,
  accounts,
}: {
  trx: Knex.Transaction;
  accounts: EarlierConsumptionsQuery[];
}): Promise<Map<string, Map<string, ConsumptionRecord>>> {
  const prefix = ledgerKey('consumption', '');
  const found = new Map(
    accounts.map(({ accountId, ledgerEntries }) => [
      accountId,
      new Map<string, ConsumptionRecord>(
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
      ),
    ]),
  );
  const probes = accounts
    .filter((account) => account.anyByMeter || account.ledgerEntries.length > 0)
    .flatMap(({ accountId, idempotencyKeys }) => idempotencyKeys.map((key) => [accountId, key]));
  if (probes.length === 0) return found;

  const metered: Array<
    Omit<ConsumptionRecord, 'ledgerEntry'> & { accountId: string; ledgerEntryId: number | null }
  > = await trx('meteredCreditConsumptions').whereIn(['accountId', 'idempotencyKey'], probes);
  for (const { accountId, ledgerEntryId, ...record } of metered) {
    const ledgerEntries = accounts.find((account) => account.accountId === accountId)!.ledgerEntries;
    found.get(accountId)!.set(record.idempotencyKey, {
      idempotencyKey: record.idempotencyKey,
      meterId: record.meterId,
      quantity: record.quantity,
      description: record.description,
      includedQuantity: record.includedQuantity,
      amount: record.amount,
      balanceAfter: record.balanceAfter,
      ledgerEntry: ledgerEntries.find((entry) => entry.id === ledgerEntryId) ?? null,
    });
  }
  return found;
}

/** Records of consumptions by meter, each with its account; written for all accounts in one statement. */
export async function insertMeteredConsumptions({
  trx,
  records,
  at,
}: {
  trx: Knex.Transaction;
  records: Array<ConsumptionRecord & { accountId: string }>;
  at: Date;
}): Promise<void> {
  if (records.length === 0) return;
  await trx.raw(
    `insert into metered_credit_consumptions (account_id, idempotency_key, meter_id, quantity, included_quantity, amount, balance_after,
                                              ledger_entry_id, description, created_at)
     select r.*, :at from unnest(:accountIds::uuid[], :keys::text[], :meterIds::uuid[], :quantities::bigint[], :included::bigint[],
                                 :amounts::bigint[], :balancesAfter::bigint[], :ledgerEntryIds::bigint[], :descriptions::text[]) as r`,
    {
      at: at.toISOString(),
      accountIds: records.map((record) => record.accountId),
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
