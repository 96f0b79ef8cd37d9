import type { Knex } from 'knex';

/** Asks for the delivery job to run now; set by the process (main.ts), unset in tests that do not run jobs. */
type WakeUp = () => Promise<void>;

let wakeUp: WakeUp | null = null;
const waking = new WeakSet<Knex.Transaction>();

/**
 * Sets what wakes the delivery job; returns a function that puts back the previous one. Without one,
 * events wait for the job's next scheduled run (every minute).
 */
export function usePartnerWebhookWakeUp(next: WakeUp | null): () => void {
  const previous = wakeUp;
  wakeUp = next;
  return () => {
    wakeUp = previous;
  };
}

/**
 * Once the transaction that wrote partner events has committed, wakes the delivery job, so partners
 * hear within a second rather than at the next scheduled run; once per transaction, however many events
 * it wrote. Never before the commit: the job would find nothing. A transaction that rolls back wakes
 * nothing. If waking fails, the scheduled run (every minute) still delivers: it is only a shortcut.
 */
export function wakeDeliveryAfterCommit(trx: Knex.Transaction): void {
  const wake = wakeUp;
  if (!wake || waking.has(trx)) return;
  waking.add(trx);
  trx.executionPromise.then(
    () => wake().catch(() => undefined),
    () => undefined,
  );
}

/**
 * Wakes the job through Graphile Worker's own `add_job`, whichever process runs the jobs: a job keyed
 * `deliver_partner_webhooks` is due now, and many wake-ups before it runs are one job (a wake-up while it
 * runs queues one more run, so nothing committed meanwhile waits for the minute). The insert notifies
 * the workers, which take it at once.
 */
export function wakeUpThroughJobQueue(knex: Knex, onError: (error: unknown) => void): WakeUp {
  return async () => {
    try {
      await knex.raw(
        `select 1 from graphile_worker.add_job('deliver_partner_webhooks', '{}'::json, job_key => 'deliver_partner_webhooks', job_key_mode => 'replace', max_attempts => 1)`,
      );
    } catch (error) {
      onError(error);
    }
  };
}
