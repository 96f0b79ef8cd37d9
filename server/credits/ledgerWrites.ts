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

/** One account's new entries and the grants they changed. */
export interface AccountLedgerChanges {
  accountId: string;
  entries: NewLedgerEntry[];
  changedGrants: SpendableGrant[];
}

/**
 * Writes the new ledger entries of one or more accounts with their allocations, the grants' new
 * remainders and the cached balances, in one statement. The caller holds every one of these accounts'
 * balance row locks, so each account's entries are inserted in the order they were composed and, within
 * an account, a later entry always has a larger id. Returns the ids, per account, in the order of its
 * `entries`.
 */
export async function writeLedgerChanges({
  trx,
  changes,
}: {
  trx: Knex.Transaction;
  changes: AccountLedgerChanges[];
}): Promise<number[][]> {
  const written = changes.filter((account) => account.entries.length > 0);
  if (written.length === 0) return changes.map(() => []);
  const entries = written.flatMap(({ accountId, entries }) =>
    entries.map((entry) => ({ ...entry, accountId })),
  );
  const allocations = entries.flatMap((entry) =>
    entry.allocations.map((allocation) => ({
      ...allocation,
      accountId: entry.accountId,
      entryKey: entry.idempotencyKey,
    })),
  );
  const changedGrants = written.flatMap(({ accountId, changedGrants }) =>
    changedGrants.map((grant) => ({ accountId, id: grant.id, remaining: grant.remaining })),
  );
  const column = <K extends keyof (typeof entries)[number]>(key: K) => entries.map((entry) => entry[key]);

  const { rows } = await trx
    .raw<{ rows: Array<{ id: number; account_id: string; idempotency_key: string; balance: number }> }>(
      `
      with new_entries as (
        insert into credit_ledger_entries (account_id, entry_type, amount, balance_after, grant_id, reference_type, reference_id,
                                           idempotency_key, description, actor_type, actor_id, created_at)
        select e.account_id, e.entry_type, e.amount, e.balance_after, e.grant_id, e.reference_type, e.reference_id,
               e.idempotency_key, e.description, e.actor_type, e.actor_id, e.created_at
        from unnest(:accountIds::uuid[], :entryTypes::text[], :amounts::bigint[], :balancesAfter::bigint[], :grantIds::uuid[],
                    :referenceTypes::text[], :referenceIds::text[], :idempotencyKeys::text[], :descriptions::text[], :actorTypes::text[],
                    :actorIds::text[], :createdAts::timestamptz[]) with ordinality
          as e(account_id, entry_type, amount, balance_after, grant_id, reference_type, reference_id, idempotency_key, description,
               actor_type, actor_id, created_at, position)
        order by e.position
        returning id, account_id, idempotency_key
      ), allocations as (
        insert into credit_allocations (ledger_entry_id, grant_id, account_id, amount)
        select n.id, a.grant_id, a.account_id, a.amount
        from unnest(:allocationAccountIds::uuid[], :allocationEntryKeys::text[], :allocationGrantIds::uuid[], :allocationAmounts::bigint[])
          as a(account_id, entry_key, grant_id, amount)
        join new_entries n on n.account_id = a.account_id and n.idempotency_key = a.entry_key
      ), grants as (
        update credit_grants g set remaining = r.remaining
        from unnest(:changedGrantAccountIds::uuid[], :changedGrantIds::uuid[], :changedGrantRemainders::bigint[]) as r(account_id, id, remaining)
        where g.id = r.id and g.account_id = r.account_id
      ), balances as (
        update credit_balances b set balance = b.balance + d.delta,
                                     last_ledger_entry_id = (select max(n.id) from new_entries n where n.account_id = b.account_id)
        from unnest(:deltaAccountIds::uuid[], :deltas::bigint[]) as d(account_id, delta)
        where b.account_id = d.account_id
        returning b.account_id, b.balance
      )
      select n.id, n.account_id, n.idempotency_key, b.balance from new_entries n join balances b on b.account_id = n.account_id
      `,
      {
        accountIds: column('accountId'),
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
        allocationAccountIds: allocations.map((allocation) => allocation.accountId),
        allocationEntryKeys: allocations.map((allocation) => allocation.entryKey),
        allocationGrantIds: allocations.map((allocation) => allocation.grantId),
        allocationAmounts: allocations.map((allocation) => allocation.amount),
        changedGrantAccountIds: changedGrants.map((grant) => grant.accountId),
        changedGrantIds: changedGrants.map((grant) => grant.id),
        changedGrantRemainders: changedGrants.map((grant) => grant.remaining),
        deltaAccountIds: written.map((account) => account.accountId),
        deltas: written.map((account) => account.entries.reduce((sum, entry) => sum + entry.amount, 0)),
      },
    )
    .options({ name: 'write-ledger-changes' });

  const balanceOf = new Map(rows.map((row) => [row.account_id, row.balance]));
  const idOf = new Map(rows.map((row) => [`${row.account_id}/${row.idempotency_key}`, row.id]));
  return changes.map(({ accountId, entries }) => {
    if (entries.length === 0) return [];
    // The balance was computed from the locked row; anything else means a writer bypassed the lock.
    const expected = entries.at(-1)!.balanceAfter;
    if (balanceOf.get(accountId) !== expected)
      throw new Error(
        `Credit balance of ${accountId} is ${balanceOf.get(accountId)}, its ledger says ${expected}`,
      );
    return entries.map((entry) => idOf.get(`${accountId}/${entry.idempotencyKey}`)!);
  });
}
