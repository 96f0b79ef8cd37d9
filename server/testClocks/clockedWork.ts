import { atSimulatedTime } from '../clock';
import { runAutoTopUps } from '../credits/autoTopUp';
import { expireCreditGrants } from '../credits/expiry';
import { eachOnItsOwn } from '../jobs/eachOnItsOwn';
import type { Logger } from '../logger';
import { grantPlanAllowances } from '../subscriptions/creditAllowance';
import {
  applyScheduledPlanChanges,
  expireGracePeriods,
  expireTrials,
  notifyTrialsEnding,
  rollLocalPeriods,
} from '../subscriptions/lifecycleJobs';
import { sendExpiryReminders } from '../subscriptions/reminders';

/**
 * The service's time-driven jobs for one account on a test clock, at the clock's time: the same jobs
 * the scheduler runs for accounts in real time (server/jobs/tasks.ts), in the order a day would run
 * them. A scheduled change goes first, since Stripe must have it before the period it applies to.
 */
export async function runClockedJobs({
  accountId,
  at,
  logger,
}: {
  accountId: string;
  at: Date;
  logger?: Logger;
}): Promise<void> {
  const jobs: Array<[string, () => Promise<unknown>]> = [
    ['apply_scheduled_plan_changes', () => applyScheduledPlanChanges({ accountId })],
    ['expire_trials', () => expireTrials({ accountId })],
    ['notify_trials_ending', () => notifyTrialsEnding({ accountId })],
    ['expire_grace_periods', () => expireGracePeriods({ accountId })],
    ['roll_local_periods', () => rollLocalPeriods({ accountId })],
    ['grant_plan_allowances', () => grantPlanAllowances({ accountId })],
    ['expire_credit_grants', () => expireCreditGrants({ accountId })],
    ['send_expiry_reminders', () => sendExpiryReminders({ accountId })],
    ['run_auto_top_ups', () => runAutoTopUps({ accountId })],
  ];
  await atSimulatedTime(at, () =>
    eachOnItsOwn(jobs, async ([job, run]) => {
      const result = await run();
      logger?.debug({ job, accountId, at, result }, 'clocked job done');
    }),
  );
}
