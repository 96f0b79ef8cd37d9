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
 * Group commit: concurrent consumptions, of one account or of many, share one transaction and one
 * commit. While a transaction is in flight, new consumptions wait; the next transaction takes all of
 * them (up to `maxBatchSize`), locks every account's balance once, in the order of the accounts' ids,
 * and applies each account's consumptions in arrival order (docs/decisions/010 and 050). Each caller is
 * answered, with its own result or error, only after the transaction holding its consumption has
 * committed. Other processes do the same; the balance row locks, always taken in the same order, order
 * their transactions without deadlock.
 */
export class ConsumptionBatcher {
  private waiting: Waiting[] = [];
  private draining = false;

  constructor(private readonly options: { knex?: Knex; maxBatchSize?: number } = {}) {}

  consume(request: ConsumptionRequest): Promise<CreditConsumptionResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Callers answered by the previous group tend to come back within the same turn of the event loop;
    // waiting for the turn to end lets them share this group rather than one going alone first.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0)
      await this.settle(this.waiting.splice(0, this.options.maxBatchSize ?? DEFAULT_MAX_GROUP_SIZE));
    this.draining = false;
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
