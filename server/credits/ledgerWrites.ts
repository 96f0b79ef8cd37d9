import type { Knex } from 'knex';
import type { CreditLedgerEntryType } from './CreditLedgerEntry';
import type { Allocation, SpendableGrant } from './spendingOrder';

export interface NewLedgerEntry {
  entryType: CreditLedgerEntryType;
  amount: number;
  balanceAfter: number;
  grantId: string | null;
  allocations: Allocation[];
  /** Unique within the account: what makes the entry's operation idempotent, and how it is found again. */
  idempotencyKey: string;
  referenceType: string | null;
  referenceId: string | null;
  description: string | null;
  actorType: string | null;
  actorId: string | null;
  createdAt: Date;
}

/**
 * Writes an account's new ledger entries with their allocations, the grants' new remainders and the
 * cached balance, in one statement. The caller holds the account's balance row lock, so the entries
 * are inserted in the order they were composed and, within the account, a later entry always has a
 * larger id. Returns the ids, in the order of `entries`.
 */
export async function writeLedgerChanges({
  trx,
  accountId,
  entries,
  changedGrants,
}: {
  trx: Knex.Transaction;
  accountId: string;
  entries: NewLedgerEntry[];
  changedGrants: SpendableGrant[];
}): Promise<number[]> {
  if (entries.length === 0) return [];
  const allocations = entries.flatMap((entry) =>
    entry.allocations.map((allocation) => ({ ...allocation, entryKey: entry.idempotencyKey })),
  );
  const column = <K extends keyof NewLedgerEntry>(key: K) => entries.map((entry) => entry[key]);

  const { rows } = await trx
    .raw<{ rows: Array<{ id: number; idempotency_key: string; balance: number }> }>(
      `
      with new_entries as (
        insert into credit_ledger_entries (account_id, entry_type, amount, balance_after, grant_id, reference_type, reference_id,
                                           idempotency_key, description, actor_type, actor_id, created_at)
        select :accountId, e.entry_type, e.amount, e.balance_after, e.grant_id, e.reference_type, e.reference_id,
               e.idempotency_key, e.description, e.actor_type, e.actor_id, e.created_at
        from unnest(:entryTypes::text[], :amounts::bigint[], :balancesAfter::bigint[], :grantIds::uuid[], :referenceTypes::text[],
                    :referenceIds::text[], :idempotencyKeys::text[], :descriptions::text[], :actorTypes::text[], :actorIds::text[],
                    :createdAts::timestamptz[]) with ordinality
          as e(entry_type, amount, balance_after, grant_id, reference_type, reference_id, idempotency_key, description, actor_type,
               actor_id, created_at, position)
        order by e.position
        returning id, idempotency_key
      ), allocations as (
        insert into credit_allocations (ledger_entry_id, grant_id, account_id, amount)
        select n.id, a.grant_id, :accountId, a.amount
        from unnest(:allocationEntryKeys::text[], :allocationGrantIds::uuid[], :allocationAmounts::bigint[]) as a(entry_key, grant_id, amount)
        join new_entries n on n.idempotency_key = a.entry_key
      ), grants as (
        update credit_grants g set remaining = r.remaining
        from unnest(:changedGrantIds::uuid[], :changedGrantRemainders::bigint[]) as r(id, remaining)
        where g.id = r.id and g.account_id = :accountId
      ), balance as (
        update credit_balances set balance = balance + :delta, last_ledger_entry_id = (select max(id) from new_entries)
        where account_id = :accountId
        returning balance
      )
      select n.id, n.idempotency_key, (select balance from balance) as balance from new_entries n
      `,
      {
        accountId,
        entryTypes: column('entryType'),
        amounts: column('amount'),
        balancesAfter: column('balanceAfter'),
        grantIds: column('grantId'),
        referenceTypes: column('referenceType'),
        referenceIds: column('referenceId'),
        idempotencyKeys: column('idempotencyKey'),
        descriptions: column('description'),
        actorTypes: column('actorType'),
        actorIds: column('actorId'),
        createdAts: entries.map((entry) => entry.createdAt.toISOString()),
        allocationEntryKeys: allocations.map((allocation) => allocation.entryKey),
        allocationGrantIds: allocations.map((allocation) => allocation.grantId),
        allocationAmounts: allocations.map((allocation) => allocation.amount),
        changedGrantIds: changedGrants.map((grant) => grant.id),
        changedGrantRemainders: changedGrants.map((grant) => grant.remaining),
        delta: entries.reduce((sum, entry) => sum + entry.amount, 0),
      },
    )
    .options({ name: 'write-ledger-changes' });

  // The balance was computed from the locked row; anything else means a writer bypassed the lock.
  const expected = entries.at(-1)!.balanceAfter;
  if (rows[0]?.balance !== expected)
    throw new Error(`Credit balance of ${accountId} is ${rows[0]?.balance}, its ledger says ${expected}`);
  const idByKey = new Map(rows.map((row) => [row.idempotency_key, row.id]));
  return entries.map((entry) => idByKey.get(entry.idempotencyKey)!);
}
