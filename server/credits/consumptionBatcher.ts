import type { Knex } from 'knex';
import { Model } from 'objection';
import { groupBy } from '../grouping';
import { consumptionBatchSize, creditsConsumed } from '../observability/metrics';
import { applyConsumptions, type ConsumptionRequest, type CreditConsumptionResult } from './consumptionBatch';

interface Waiting {
  request: ConsumptionRequest;
  resolve: (result: CreditConsumptionResult) => void;
  reject: (error: unknown) => void;
}

/** The most consumptions one transaction takes; more wait for the next one. */
const DEFAULT_MAX_GROUP_SIZE = 500;
/**
 * Transactions a process keeps in flight at once. More than one lets the next group be prepared and
 * sent while the previous one waits for its commit's WAL flush, and gives the work to several database
 * backends rather than one.
 */
const DEFAULT_MAX_GROUPS_IN_FLIGHT = 4;

/**
 * Group commit: concurrent consumptions, of one account or of many, share one transaction and one
 * commit. Consumptions wait in one queue; whenever a transaction slot is free, the next group takes all
 * the waiting consumptions of accounts with none in flight (up to `maxBatchSize`), locks every account's
 * balance once, in the order of the accounts' ids, and applies each account's consumptions in arrival
 * order (docs/decisions/010 and 050). An account is in at most one transaction of this process at a
 * time, so its consumptions stay in arrival order and the process's groups never wait for each other.
 * Each caller is answered, with its own result or error, only after the transaction holding its
 * consumption has committed. Other processes do the same; the balance row locks, always taken in the
 * same order, order their transactions without deadlock.
 */
export class ConsumptionBatcher {
  private waiting: Waiting[] = [];
  /** Accounts with consumptions in a transaction in flight: their next ones wait for it to end. */
  private readonly busyAccounts = new Set<string>();
  private groupsInFlight = 0;
  private startScheduled = false;

  constructor(
    private readonly options: { knex?: Knex; maxBatchSize?: number; maxGroupsInFlight?: number } = {},
  ) {}

  consume(request: ConsumptionRequest): Promise<CreditConsumptionResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.scheduleStart();
    });
  }

  private scheduleStart(): void {
    if (this.startScheduled) return;
    this.startScheduled = true;
    // Callers answered by the previous group tend to come back within the same turn of the event loop;
    // waiting for the turn to end lets them share the next group rather than one going alone first.
    setImmediate(() => {
      this.startScheduled = false;
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (this.groupsInFlight < (this.options.maxGroupsInFlight ?? DEFAULT_MAX_GROUPS_IN_FLIGHT)) {
      const group = this.takeGroup();
      if (group.length === 0) return;
      const accounts = new Set(group.map((waiting) => waiting.request.accountId));
      for (const accountId of accounts) this.busyAccounts.add(accountId);
      this.groupsInFlight += 1;
      void this.settle(group).finally(() => {
        for (const accountId of accounts) this.busyAccounts.delete(accountId);
        this.groupsInFlight -= 1;
        if (this.waiting.length > 0) this.scheduleStart();
      });
    }
  }

  /** The waiting consumptions of accounts with none in flight, in arrival order, up to the group size. */
  private takeGroup(): Waiting[] {
    const limit = this.options.maxBatchSize ?? DEFAULT_MAX_GROUP_SIZE;
    const group: Waiting[] = [];
    const left: Waiting[] = [];
    for (const waiting of this.waiting) {
      if (group.length < limit && !this.busyAccounts.has(waiting.request.accountId)) group.push(waiting);
      else left.push(waiting);
    }
    this.waiting = left;
    return group;
  }

  private async settle(group: Waiting[]): Promise<void> {
    let outcomes;
    try {
      outcomes = await applyConsumptions({
        knex: this.options.knex ?? Model.knex(),
        requests: group.map((waiting) => waiting.request),
      });
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      // Something broke the whole transaction. Split it, each account's consumptions apart and then one
      // by one, so that only the culprit fails and everyone else is applied as if it had not been there.
      for (const part of splitForRetry(group)) await this.settle(part);
      return;
    }
    consumptionBatchSize.observe(group.length);
    outcomes.forEach((outcome, index) => {
      if ('error' in outcome) return group[index]!.reject(outcome.error);
      // A replayed key charged nothing new: its first call was counted.
      if (!outcome.result.replayed) creditsConsumed.inc(outcome.result.amount);
      group[index]!.resolve(outcome.result);
    });
  }
}

/** A failed group of several accounts splits by account; one account's group, into single consumptions. */
function splitForRetry(group: Waiting[]): Waiting[][] {
  const byAccount = groupBy(group, (waiting) => waiting.request.accountId);
  return byAccount.size > 1 ? [...byAccount.values()] : group.map((waiting) => [waiting]);
}

/** The process's batcher. */
export const consumptionBatcher = new ConsumptionBatcher();
