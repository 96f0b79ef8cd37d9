import type { Knex } from 'knex';
import { Model, snakeCaseMappers } from 'objection';
import { NotFoundError, ValidationError } from '../errors';
import { groupBy } from '../grouping';
import { MAX_CREDIT_BALANCE } from './creditLimits';
import { CreditLedgerEntry, type CreditLedgerEntryType } from './CreditLedgerEntry';
import { writeLedgerChanges, type NewLedgerEntry } from './ledgerWrites';
import { compareSpendingOrder, drawDown, type SpendableGrant } from './spendingOrder';

export interface LedgerActor {
  actorType: string;
  actorId: string | null;
}

export interface EntryDetails {
  entryType: CreditLedgerEntryType;
  at: Date;
  actor: LedgerActor;
  /** `<operation>:<caller's key>`, unique within the account (see ledgerKey). */
  idempotencyKey: string;
  referenceType?: string | null;
  referenceId?: string | null;
  description?: string | null;
}

/**
 * One account's credits inside one transaction, with its balance row locked. Every change to credits
 * goes through here: entries are composed in memory, each with the balance after it, and written
 * together by `commit`, so the ledger, the grants' remainders and the cached balance always move
 * together. The row lock serialises writers across processes.
 */
export class AccountLedger {
  private readonly pending: NewLedgerEntry[] = [];
  private readonly changedGrants = new Set<SpendableGrant>();
  private spendable: SpendableGrant[] | null = null;

  private constructor(
    readonly trx: Knex.Transaction,
    readonly accountId: string,
    private current: number,
    /** The account's low-balance threshold (milli-credits) when it has set one, and when it was last told. */
    readonly lowBalance: { threshold: number | null; notifiedAt: Date | null },
    private readonly grantsAtLock: SpendableGrant[],
    /** The entries already in the ledger under the keys `lock` was asked about. */
    readonly entriesKeyed: CreditLedgerEntry[],
  ) {}

  get balance(): number {
    return this.current;
  }

  /**
   * Locks the account's balance and reads its grants. The account row is share-locked first, because
   * the webhook handlers lock it before they grant credits: taking both in the same order means no
   * deadlock between them. The statements go in one round trip; they still run one after another, each
   * with a fresh snapshot, so the grants are read once the locks are held. With `at`, the grants are
   * made spendable at once (see loadSpendableGrants), expired ones written off by the credit expiry.
   * With `entriesKeyed`, the entries already stored under those idempotency keys are read in the same
   * round trip (`entriesKeyed` on the ledger): an operation's retry is found under the lock, for free.
   */
  static async lock({
    trx,
    accountId,
    at,
    entriesKeyed = [],
  }: {
    trx: Knex.Transaction;
    accountId: string;
    at?: Date;
    entriesKeyed?: string[];
  }): Promise<AccountLedger> {
    const ledgers = await AccountLedger.lockAll({
      trx,
      accountIds: [accountId],
      at,
      entriesKeyed: new Map([[accountId, entriesKeyed]]),
    });
    const ledger = ledgers.get(accountId);
    if (!ledger) throw new NotFoundError('Account');
    return ledger;
  }

  /**
   * `lock` for several accounts at once, in the same round trips. The rows are locked in the order of
   * the accounts' ids, whatever the order asked for: every transaction that locks several accounts
   * takes them in that one order, so two of them (in this process or another) wait for each other
   * rather than deadlock. An account that does not exist has no ledger in the answer.
   */
  static async lockAll({
    trx,
    accountIds,
    at,
    entriesKeyed = new Map(),
  }: {
    trx: Knex.Transaction;
    accountIds: readonly string[];
    at?: Date;
    /** Per account, the idempotency keys whose stored entries to read under the lock. */
    entriesKeyed?: ReadonlyMap<string, readonly string[]>;
  }): Promise<Map<string, AccountLedger>> {
    const ids = [...new Set(accountIds)].sort();
    let locked = await lockedState(trx, ids, entriesKeyed);
    const unopened = ids.filter((id) => locked.accounts.has(id) && !locked.balances.has(id));
    if (unopened.length > 0) {
      await trx.raw(
        `insert into credit_balances (account_id) select id from unnest(?::uuid[]) as id order by id on conflict do nothing`,
        [unopened],
      );
      locked = await lockedState(trx, ids, entriesKeyed);
    }
    const ledgers = new Map<string, AccountLedger>();
    for (const [accountId, state] of locked.balances) {
      const { balance, threshold, notifiedAt } = state;
      const ledger = new AccountLedger(
        trx,
        accountId,
        balance,
        { threshold, notifiedAt },
        locked.grants.get(accountId) ?? [],
        locked.entries.get(accountId) ?? [],
      );
      if (at) ledger.loadSpendableGrants({ at, actor: EXPIRY_ACTOR });
      ledgers.set(accountId, ledger);
    }
    return ledgers;
  }

  /**
   * Makes the grants read under the lock spendable at `at`, in spending order, writing off those that
   * expired by then. Only the first call does anything.
   */
  loadSpendableGrants({ at, actor }: { at: Date; actor: LedgerActor }): void {
    if (this.spendable) return;
    this.spendable = [];
    for (const grant of [...this.grantsAtLock].sort(compareSpendingOrder)) {
      if (grant.expiresAt && grant.expiresAt <= at) this.writeOff(grant, { at, actor });
      else this.spendable.push(grant);
    }
  }

  /**
   * Adds a grant that was just inserted, with the entry that brings its credits into the balance. A
   * balance may not grow past MAX_CREDIT_BALANCE (creditLimits.ts): the grant is refused, typed.
   */
  credit(grant: SpendableGrant & { amount: number }, details: EntryDetails): void {
    if (this.current + grant.amount > MAX_CREDIT_BALANCE)
      throw ValidationError.forField(
        'amount',
        `would take the balance above ${MAX_CREDIT_BALANCE} milli-credits, the most an account may hold`,
      );
    // Spendable at once, in its place in the spending order; or with the grants still to be loaded.
    const spendable = this.spendable ?? this.grantsAtLock;
    spendable.push({ ...grant });
    spendable.sort(compareSpendingOrder);
    this.append({ ...details, amount: grant.amount, grantId: grant.id, allocations: [] });
  }

  /** Takes `amount` from the grants in spending order; false, changing nothing, when they hold less. */
  debit(amount: number, details: EntryDetails): boolean {
    if (!this.spendable) throw new Error('loadSpendableGrants must run before debit');
    const allocations = drawDown(this.spendable, amount);
    if (!allocations) return false;
    for (const allocation of allocations) this.take(allocation.grantId, -allocation.amount);
    this.spendable = this.spendable.filter((grant) => grant.remaining > 0);
    this.append({ ...details, amount: -amount, grantId: null, allocations });
    return true;
  }

  /**
   * Takes back up to `amount` of what is left of one grant (credits refunded to the buyer): what was
   * spent already cannot be taken back. Returns how much was taken; zero writes nothing.
   */
  clawBack(grantId: string, amount: number, details: EntryDetails): number {
    if (!this.spendable) throw new Error('loadSpendableGrants must run before clawBack');
    const grant = this.spendable.find((candidate) => candidate.id === grantId);
    const taken = Math.min(amount, grant?.remaining ?? 0);
    if (taken <= 0) return 0;
    this.take(grantId, taken);
    this.spendable = this.spendable.filter((candidate) => candidate.remaining > 0);
    this.append({ ...details, amount: -taken, grantId, allocations: [{ grantId, amount: -taken }] });
    return taken;
  }

  /**
   * Gives back to a grant credits clawed back from it whose refund then failed: the grant holds them
   * again, in its place in the spending order. The entry is a positive `refund_clawback`, so the
   * claw-backs of a grant always sum to what it has lost to refunds that went through.
   */
  restore(grant: SpendableGrant, amount: number, details: EntryDetails): void {
    if (!this.spendable) throw new Error('loadSpendableGrants must run before restore');
    let held = this.spendable.find((candidate) => candidate.id === grant.id);
    if (!held) {
      held = { ...grant, remaining: 0 };
      this.spendable.push(held);
      this.spendable.sort(compareSpendingOrder);
    }
    held.remaining += amount;
    this.changedGrants.add(held);
    this.append({ ...details, amount, grantId: grant.id, allocations: [{ grantId: grant.id, amount }] });
  }

  /**
   * Writes off what is left of a spendable grant now, before its expiry (a plan's allowance replaced by
   * the next period's). One write-off per grant, ever, like an expiry. Returns how much was written off.
   */
  expireEarly(
    grantId: string,
    { at, actor, description }: { at: Date; actor: LedgerActor; description: string },
  ): number {
    if (!this.spendable) throw new Error('loadSpendableGrants must run before expireEarly');
    const grant = this.spendable.find((candidate) => candidate.id === grantId);
    if (!grant || grant.remaining <= 0) return 0;
    const amount = grant.remaining;
    this.writeOff(grant, { at, actor, description });
    this.spendable = this.spendable.filter((candidate) => candidate.remaining > 0);
    return amount;
  }

  /** Writes every pending entry; returns them as stored, in order. */
  async commit(): Promise<CreditLedgerEntry[]> {
    const [entries] = await AccountLedger.commitAll([this]);
    return entries!;
  }

  /**
   * `commit` for ledgers of several accounts locked in one transaction, in one statement. Returns each
   * ledger's entries as stored, in order.
   */
  static async commitAll(ledgers: readonly AccountLedger[]): Promise<CreditLedgerEntry[][]> {
    if (ledgers.length === 0) return [];
    const changes = ledgers.map((ledger) => {
      const change = {
        accountId: ledger.accountId,
        entries: ledger.pending.splice(0),
        changedGrants: [...ledger.changedGrants],
      };
      ledger.changedGrants.clear();
      return change;
    });
    const ids = await writeLedgerChanges({ trx: ledgers[0]!.trx, changes });
    return changes.map(({ accountId, entries }, account) =>
      entries.map(({ allocations: _allocations, ...entry }, index) =>
        CreditLedgerEntry.fromJson({ ...entry, id: ids[account]![index], accountId }),
      ),
    );
  }

  private writeOff(
    grant: SpendableGrant,
    {
      at,
      actor,
      description = 'Expired credits written off',
    }: { at: Date; actor: LedgerActor; description?: string },
  ): void {
    const amount = grant.remaining;
    this.changedGrants.add(grant);
    grant.remaining = 0;
    this.append({
      entryType: 'expiry',
      at,
      actor,
      // One write-off per grant, ever: the key makes a second one impossible, whoever runs it.
      idempotencyKey: ledgerKey('expiry', grant.id),
      description,
      amount: -amount,
      grantId: grant.id,
      allocations: [{ grantId: grant.id, amount: -amount }],
    });
  }

  private take(grantId: string, amount: number): void {
    const grant = this.spendable!.find((candidate) => candidate.id === grantId)!;
    grant.remaining -= amount;
    this.changedGrants.add(grant);
  }

  private append(entry: EntryDetails & Pick<NewLedgerEntry, 'amount' | 'grantId' | 'allocations'>): void {
    this.current += entry.amount;
    this.pending.push({
      entryType: entry.entryType,
      amount: entry.amount,
      balanceAfter: this.current,
      grantId: entry.grantId,
      allocations: entry.allocations,
      idempotencyKey: entry.idempotencyKey,
      referenceType: entry.referenceType ?? null,
      referenceId: entry.referenceId ?? null,
      description: entry.description ?? null,
      actorType: entry.actor.actorType,
      actorId: entry.actor.actorId,
      createdAt: entry.at,
    });
  }
}

/**
 * Ledger idempotency keys are namespaced by operation, so that no caller's key (a partner's consumption
 * key, say) can ever collide with another operation's entry, such as a grant's write-off.
 */
export function ledgerKey(
  operation: 'grant' | 'consumption' | 'adjustment' | 'expiry' | 'refund_clawback',
  key: string,
): string {
  return `${operation}:${key}`;
}

const EXPIRY_ACTOR: LedgerActor = { actorType: 'system', actorId: 'credit expiry' };

/** Multi-statement results skip knex's identifier mapping; this is the same mapping, applied by hand. */
const columnNames = snakeCaseMappers();

async function lockedState(
  trx: Knex.Transaction,
  accountIds: string[],
  entriesKeyed: ReadonlyMap<string, readonly string[]>,
) {
  const keyed = accountIds.flatMap((accountId) =>
    (entriesKeyed.get(accountId) ?? []).map((key) => ({ accountId, key })),
  );
  // Several statements in one simple query, which takes no bind parameters: knex escapes the values.
  // `order by` under `for ... share/update` locks the rows in that order: the accounts' ids, always.
  // The keyed entries are probed one by one through the (account, key) unique index: `offset 0` keeps
  // the planner from folding the probes into a scan of the accounts' whole ledgers.
  const statements = trx
    .raw(
      `select id from accounts where id = any(:accountIds::uuid[]) order by id for key share;
       select b.account_id, b.balance, b.low_balance_notified_at, s.threshold
       from credit_balances b left join auto_top_up_settings s on s.account_id = b.account_id
       where b.account_id = any(:accountIds::uuid[]) order by b.account_id for update of b;
       select account_id, id, remaining, priority, expires_at, created_at from credit_grants
       where account_id = any(:accountIds::uuid[]) and remaining > 0;
       select e.* from unnest(:keyedAccountIds::uuid[], :keys::text[]) as k(account_id, idempotency_key)
       cross join lateral (select * from credit_ledger_entries
                           where account_id = k.account_id and idempotency_key = k.idempotency_key offset 0) e;`,
      {
        accountIds,
        keyedAccountIds: keyed.map((probe) => probe.accountId),
        keys: keyed.map((probe) => probe.key),
      },
    )
    .toQuery();
  const [accounts, balances, grants, entries] = (await trx.raw(statements)) as unknown as [
    { rows: Array<{ id: string }> },
    {
      rows: Array<{
        account_id: string;
        balance: number;
        low_balance_notified_at: Date | null;
        threshold: number | null;
      }>;
    },
    {
      rows: Array<{
        account_id: string;
        id: string;
        remaining: number;
        priority: number;
        expires_at: Date | null;
        created_at: Date;
      }>;
    },
    { rows: Array<Record<string, unknown>> },
  ];
  return {
    accounts: new Set(accounts.rows.map((row) => row.id)),
    balances: new Map(
      balances.rows.map((row) => [
        row.account_id,
        { balance: row.balance, threshold: row.threshold, notifiedAt: row.low_balance_notified_at },
      ]),
    ),
    grants: groupBy(
      grants.rows.map((row) => ({
        accountId: row.account_id,
        id: row.id,
        remaining: row.remaining,
        priority: row.priority,
        expiresAt: row.expires_at,
        createdAt: row.created_at,
      })),
      (grant) => grant.accountId,
    ),
    entries: groupBy(
      entries.rows.map((row) => CreditLedgerEntry.fromJson(columnNames.parse(row))),
      (entry) => entry.accountId,
    ),
  };
}

/** Runs `work` with the account's ledger locked, in the caller's transaction or a new one. */
export async function withAccountLedger<T>(
  { trx, knex, accountId, at }: { trx?: Knex.Transaction; knex?: Knex; accountId: string; at?: Date },
  work: (ledger: AccountLedger) => Promise<T>,
): Promise<T> {
  if (trx) return work(await AccountLedger.lock({ trx, accountId, at }));
  return (knex ?? Model.knex()).transaction(async (transaction) =>
    work(await AccountLedger.lock({ trx: transaction, accountId, at })),
  );
}
