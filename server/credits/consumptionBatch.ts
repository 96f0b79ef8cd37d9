import type { Knex } from 'knex';
import { now } from '../clock';
import { ConflictError, InsufficientCreditsError, type DomainError } from '../errors';
import { faultPoint } from '../faultPoints';
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
 * Applies consumptions of one account in one transaction, with its balance row locked once. Each is
 * applied in turn and succeeds or fails on its own, with its own ledger entry and balance after it; a
 * key seen before (stored, or earlier in the batch) answers with the first result. Everything,
 * including the usage events of consumptions by meter, commits together.
 */
export async function applyConsumptions({
  knex,
  accountId,
  requests,
}: {
  knex: Knex;
  accountId: string;
  requests: ConsumptionRequest[];
}): Promise<ConsumptionOutcome[]> {
  return knex.transaction(async (trx) => {
    const at = now();
    const idempotencyKeys = requests.map((request) => request.idempotencyKey);
    const ledger = await AccountLedger.lock({
      trx,
      accountId,
      at,
      entriesKeyed: idempotencyKeys.map((key) => ledgerKey('consumption', key)),
    });
    const meters = [
      ...new Map(
        requests.flatMap((request) => (request.meter ? [[request.meter.id, request.meter] as const] : [])),
      ).values(),
    ];
    // One transaction is one connection, which answers one query at a time: one after the other.
    const earlier = await findEarlierConsumptions({
      trx,
      accountId,
      idempotencyKeys,
      ledgerEntries: ledger.entriesKeyed,
      anyByMeter: meters.length > 0,
    });
    const charges = await MeteredCharges.load({ trx, accountId, meters, at });
    const batch = new LockedBatch(ledger, charges, earlier, at);
    const outcomes = requests.map((request) => batch.apply(request));
    await batch.save();
    await faultPoint('consumption.beforeCommit');
    const threshold = ledger.lowBalance.threshold;
    return outcomes.map((outcome) =>
      'error' in outcome
        ? outcome
        : {
            result: {
              ...resultOf(outcome.record, outcome.replayed),
              autoTopUpDue:
                !outcome.replayed && threshold !== null && outcome.record.balanceAfter < threshold,
            },
          },
    );
  });
}

/** The consumptions of one batch, applied in memory against the locked ledger, then saved together. */
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

  async save(): Promise<void> {
    const { ledger, applied, at } = this;
    const entries = new Map((await ledger.commit()).map((entry) => [entry.idempotencyKey, entry]));
    for (const record of applied)
      record.ledgerEntry = entries.get(ledgerKey('consumption', record.idempotencyKey)) ?? null;
    await insertMeteredConsumptions({
      trx: ledger.trx,
      accountId: ledger.accountId,
      records: applied.filter((record) => record.meterId !== null),
      at,
    });
    await insertUsageEvents({ trx: ledger.trx, events: this.usageEvents });
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
