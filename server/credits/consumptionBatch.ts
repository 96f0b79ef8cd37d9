import type { Knex } from 'knex';
import { now } from '../clock';
import { ConflictError, InsufficientCreditsError, NotFoundError, type DomainError } from '../errors';
import { faultPoint } from '../faultPoints';
import { groupBy } from '../grouping';
import { insertUsageEvents, type NewUsageEvent } from '../usage/usageIngest';
import { AccountLedger, ledgerKey, type LedgerActor } from './accountLedger';
import type { CreditLedgerEntry } from './CreditLedgerEntry';
import {
  findEarlierConsumptions,
  insertMeteredConsumptions,
  type ConsumptionRecord,
} from './consumptionRecords';
import { warnOfLowBalance } from './lowBalance';
import { recordCreditsDepleted } from '../partnerWebhooks/events';
import { MeteredCharges, type PricedMeter } from './meteredCharges';

export interface ConsumptionRequest {
  accountId: string;
  idempotencyKey: string;
  /** Either an amount of milli-credits... */
  amount: number | null;
  /** ...or a quantity of a meter, priced at its credit weight beyond the plan's allowance. */
  meter: PricedMeter | null;
  quantity: number | null;
  description: string | null;
  actor: LedgerActor;
}

export interface CreditConsumptionResult {
  /** Milli-credits charged. */
  amount: number;
  includedQuantity: number;
  balanceAfter: number;
  /** Null when the plan's allowance covered everything, so nothing was charged. */
  ledgerEntry: CreditLedgerEntry | null;
  /** True when the key had been used already: this is the first call's result. */
  replayed: boolean;
  /** The balance fell below the account's automatic top-up threshold with this consumption. */
  autoTopUpDue: boolean;
}

export type ConsumptionOutcome = { result: CreditConsumptionResult } | { error: DomainError };

/**
 * Applies consumptions, of one account or of many, in one transaction: one commit for all of them.
 * Every account's balance row is locked once, all in the order of the accounts' ids (so that groups
 * overlapping in accounts, in this process or others, wait for each other instead of deadlocking), and
 * each account's consumptions are applied in turn, in arrival order. Each succeeds or fails on its own,
 * with its own ledger entry and balance after it; a key seen before for the account (stored, or earlier
 * in the batch) answers with the first result; an account that does not exist fails only its own
 * consumptions. The reads and writes go in a few statements for all the accounts together; everything,
 * including the usage events of consumptions by meter, commits together. Outcomes are in request order.
 */
export async function applyConsumptions({
  knex,
  requests,
}: {
  knex: Knex;
  requests: ConsumptionRequest[];
}): Promise<ConsumptionOutcome[]> {
  const byAccount = groupBy(requests, (request) => request.accountId);
  return knex.transaction(async (trx) => {
    const at = now();
    const ledgers = await AccountLedger.lockAll({
      trx,
      accountIds: [...byAccount.keys()],
      at,
      entriesKeyed: new Map(
        [...byAccount].map(([accountId, own]) => [
          accountId,
          own.map((request) => ledgerKey('consumption', request.idempotencyKey)),
        ]),
      ),
    });
    const accounts = [...byAccount]
      .filter(([accountId]) => ledgers.has(accountId))
      .map(([accountId, own]) => ({ ledger: ledgers.get(accountId)!, requests: own, meters: metersOf(own) }));
    // One transaction is one connection, which answers one query at a time: one after the other.
    const earlier = await findEarlierConsumptions({
      trx,
      accounts: accounts.map(({ ledger, requests: own, meters }) => ({
        accountId: ledger.accountId,
        idempotencyKeys: own.map((request) => request.idempotencyKey),
        ledgerEntries: ledger.entriesKeyed,
        anyByMeter: meters.length > 0,
      })),
    });
    const batches = new Map<string, LockedBatch>();
    for (const { ledger, meters } of accounts) {
      const charges = await MeteredCharges.load({ trx, accountId: ledger.accountId, meters, at });
      batches.set(ledger.accountId, new LockedBatch(ledger, charges, earlier.get(ledger.accountId)!, at));
    }
    const outcomes = requests.map((request) => {
      const batch = batches.get(request.accountId);
      return batch ? batch.apply(request) : { error: new NotFoundError('Account') };
    });
    await LockedBatch.saveAll([...batches.values()]);
    await faultPoint('consumption.beforeCommit');
    return outcomes.map((outcome, index) => {
      if ('error' in outcome) return outcome;
      const threshold = ledgers.get(requests[index]!.accountId)!.lowBalance.threshold;
      return {
        result: {
          ...resultOf(outcome.record, outcome.replayed),
          autoTopUpDue: !outcome.replayed && threshold !== null && outcome.record.balanceAfter < threshold,
        },
      };
    });
  });
}

/** The distinct meters the requests consume by. */
function metersOf(requests: ConsumptionRequest[]): PricedMeter[] {
  return [
    ...new Map(
      requests.flatMap((request) => (request.meter ? [[request.meter.id, request.meter] as const] : [])),
    ).values(),
  ];
}

/** The consumptions of one account in a batch, applied in memory against its locked ledger, then saved. */
class LockedBatch {
  private readonly applied: ConsumptionRecord[] = [];
  private readonly usageEvents: NewUsageEvent[] = [];
  /** The balance before this batch, to tell when the batch is what emptied it. */
  private readonly balanceBefore: number;

  constructor(
    private readonly ledger: AccountLedger,
    private readonly charges: MeteredCharges,
    private readonly records: Map<string, ConsumptionRecord>,
    private readonly at: Date,
  ) {
    this.balanceBefore = ledger.balance;
  }

  apply(
    request: ConsumptionRequest,
  ): { record: ConsumptionRecord; replayed: boolean } | { error: DomainError } {
    const earlier = this.records.get(request.idempotencyKey);
    if (earlier)
      return sameRequest(earlier, request)
        ? { record: earlier, replayed: true }
        : { error: keyReused(request) };

    const { amount, includedQuantity } = request.meter
      ? this.charges.quote(request.meter, request.quantity!)
      : { amount: request.amount!, includedQuantity: 0 };
    const entry = {
      entryType: 'consumption' as const,
      at: this.at,
      actor: request.actor,
      idempotencyKey: ledgerKey('consumption', request.idempotencyKey),
      description:
        request.description ?? (request.meter ? `${request.quantity} × ${request.meter.key}` : null),
      referenceType: request.meter ? 'meter' : null,
      referenceId: request.meter?.key ?? null,
    };
    if (amount > 0 && !this.ledger.debit(amount, entry))
      return { error: new InsufficientCreditsError(this.ledger.balance, amount) };
    if (request.meter) {
      this.charges.record(request.meter, request.quantity!);
      this.usageEvents.push({
        accountId: this.ledger.accountId,
        meterId: request.meter.id,
        quantity: request.quantity!,
        occurredAt: this.at,
        idempotencyKey: request.idempotencyKey,
        properties: {},
      });
    }
    const record: ConsumptionRecord = {
      idempotencyKey: request.idempotencyKey,
      meterId: request.meter?.id ?? null,
      quantity: request.quantity,
      description: request.description,
      includedQuantity,
      amount,
      balanceAfter: this.ledger.balance,
      ledgerEntry: null,
    };
    this.records.set(request.idempotencyKey, record);
    this.applied.push(record);
    return { record, replayed: false };
  }

  /**
   * Saves the batches of several accounts locked in one transaction: their ledger entries, records of
   * consumptions by meter and usage events each in one statement for all of them; then, account by
   * account, the notices a batch calls for (low balance, depleted), which are rare.
   */
  static async saveAll(batches: LockedBatch[]): Promise<void> {
    if (batches.length === 0) return;
    const { trx } = batches[0]!.ledger;
    const written = await AccountLedger.commitAll(batches.map((batch) => batch.ledger));
    batches.forEach((batch, index) => {
      const entries = new Map(written[index]!.map((entry) => [entry.idempotencyKey, entry]));
      for (const record of batch.applied)
        record.ledgerEntry = entries.get(ledgerKey('consumption', record.idempotencyKey)) ?? null;
    });
    await insertMeteredConsumptions({
      trx,
      records: batches.flatMap((batch) =>
        batch.applied
          .filter((record) => record.meterId !== null)
          .map((record) => ({ ...record, accountId: batch.ledger.accountId })),
      ),
      at: batches[0]!.at,
    });
    await insertUsageEvents({ trx, events: batches.flatMap((batch) => batch.usageEvents) });
    for (const batch of batches) await batch.notify();
  }

  private async notify(): Promise<void> {
    const { ledger, applied } = this;
    if (!applied.some((record) => record.amount > 0)) return;
    await warnOfLowBalance({ ledger });
    const emptiedBy = applied.at(-1)?.ledgerEntry;
    if (this.balanceBefore > 0 && ledger.balance === 0 && emptiedBy)
      await recordCreditsDepleted({ trx: ledger.trx, accountId: ledger.accountId, entry: emptiedBy });
  }
}

/** Everything the caller sent must match: the same key with another description is another request. */
function sameRequest(record: ConsumptionRecord, request: ConsumptionRequest): boolean {
  if (record.description !== request.description) return false;
  return request.meter
    ? record.meterId === request.meter.id && record.quantity === request.quantity
    : record.meterId === null && record.amount === request.amount;
}

function keyReused(request: ConsumptionRequest): ConflictError {
  return new ConflictError('This idempotency key was already used for a different consumption.', {
    idempotencyKey: request.idempotencyKey,
  });
}

function resultOf(record: ConsumptionRecord, replayed: boolean): CreditConsumptionResult {
  return {
    amount: record.amount,
    includedQuantity: record.includedQuantity,
    balanceAfter: record.balanceAfter,
    ledgerEntry: record.ledgerEntry,
    replayed,
    autoTopUpDue: false,
  };
}
