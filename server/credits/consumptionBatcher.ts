import type { Knex } from 'knex';
import { Model } from 'objection';
import { consumptionBatchSize, creditsConsumed } from '../observability/metrics';
import { applyConsumptions, type ConsumptionRequest, type CreditConsumptionResult } from './consumptionBatch';

interface Waiting {
  request: ConsumptionRequest;
  resolve: (result: CreditConsumptionResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups concurrent consumptions of one account into one transaction. While a transaction for an
 * account is in flight, its new consumptions wait; the next transaction takes all of them, locks the
 * balance once and applies them in arrival order (docs/decisions/010-grouping-consumptions-per-account.md).
 * A caller is answered only after the transaction holding its consumption has committed. Other
 * processes do the same; the balance row lock orders their transactions.
 */
export class ConsumptionBatcher {
  private readonly queues = new Map<string, Waiting[]>();

  constructor(private readonly options: { knex?: Knex; maxBatchSize?: number } = {}) {}

  consume(request: ConsumptionRequest): Promise<CreditConsumptionResult> {
    return new Promise((resolve, reject) => {
      const waiting = { request, resolve, reject };
      const queue = this.queues.get(request.accountId);
      if (queue) {
        queue.push(waiting);
        return;
      }
      const fresh = [waiting];
      this.queues.set(request.accountId, fresh);
      void this.drain(request.accountId, fresh);
    });
  }

  private async drain(accountId: string, queue: Waiting[]): Promise<void> {
    // Callers answered by the previous batch tend to come back within the same turn of the event loop;
    // waiting for the turn to end lets them share this batch rather than one going alone first.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) await this.settle(accountId, queue.splice(0, this.options.maxBatchSize ?? 500));
    this.queues.delete(accountId);
  }

  private async settle(accountId: string, batch: Waiting[]): Promise<void> {
    let outcomes;
    try {
      outcomes = await applyConsumptions({
        knex: this.options.knex ?? Model.knex(),
        accountId,
        requests: batch.map((waiting) => waiting.request),
      });
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // Something broke the whole transaction; apply them one by one so that only the culprit fails.
      for (const waiting of batch) await this.settle(accountId, [waiting]);
      return;
    }
    consumptionBatchSize.observe(batch.length);
    outcomes.forEach((outcome, index) => {
      if ('error' in outcome) return batch[index]!.reject(outcome.error);
      // A replayed key charged nothing new: its first call was counted.
      if (!outcome.result.replayed) creditsConsumed.inc(outcome.result.amount);
      batch[index]!.resolve(outcome.result);
    });
  }
}

/** The process's batcher. */
export const consumptionBatcher = new ConsumptionBatcher();
