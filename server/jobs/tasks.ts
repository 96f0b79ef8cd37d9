import type { Task } from 'graphile-worker';
import type { Transporter } from 'nodemailer';
import { sendPlatformAlerts } from '../admin/platformAlerts';
import { runAutoTopUps } from '../credits/autoTopUp';
import { sendExpiryReminders } from '../subscriptions/reminders';
import { expireCreditGrants } from '../credits/expiry';
import type { Logger } from '../logger';
import { sendPendingNotifications } from '../notifications/delivery';
import {
  applyScheduledPlanChanges,
  expireGracePeriods,
  expireTrials,
  notifyTrialsEnding,
  rollLocalPeriods,
} from '../subscriptions/lifecycleJobs';
import { grantPlanAllowances } from '../subscriptions/creditAllowance';
import { retryFailedStripeEvents } from '../webhooks/retryFailedEvents';
import { purgeIdempotentRequests } from '../idempotency/idempotentRequests';
import { purgeSignInFailures } from '../auth/signInThrottle';
import { purgeExpiredSignUpRequests } from '../accounts/signUp';
import { Model } from 'objection';
import { purgeExpiredRateLimitCounters } from '../rateLimits/rateLimiter';
import { reconcileBooks } from '../reconciliation/reconcileBooks';
import { deliverPartnerWebhooks } from '../partnerWebhooks/delivery';
import { tellUsageThresholdsCrossed } from '../usage/usageThresholds';
import { produceMonthlyRevenueReport } from '../metrics/revenueReports';

/**
 * Every background job, by name. Each is safe to run twice or on two processes at once: it re-checks
 * under a row lock (or claims rows with SKIP LOCKED) before acting.
 */
export function createTaskList({
  logger,
  mail,
}: {
  logger: Logger;
  mail: { transport: Transporter | null; from: string };
}): Record<string, Task> {
  const logged =
    (name: string, work: () => Promise<unknown>): Task =>
    async () => {
      const result = await work();
      logger.debug({ job: name, result }, 'job done');
    };
  return {
    expire_trials: logged('expire_trials', () => expireTrials()),
    notify_trials_ending: logged('notify_trials_ending', () => notifyTrialsEnding()),
    send_expiry_reminders: logged('send_expiry_reminders', () => sendExpiryReminders()),
    send_platform_alerts: logged('send_platform_alerts', () => sendPlatformAlerts()),
    expire_grace_periods: logged('expire_grace_periods', () => expireGracePeriods()),
    apply_scheduled_plan_changes: logged('apply_scheduled_plan_changes', () => applyScheduledPlanChanges()),
    roll_local_periods: logged('roll_local_periods', () => rollLocalPeriods()),
    grant_plan_allowances: logged('grant_plan_allowances', () => grantPlanAllowances()),
    expire_credit_grants: logged('expire_credit_grants', () => expireCreditGrants()),
    run_auto_top_ups: logged('run_auto_top_ups', () => runAutoTopUps()),
    retry_failed_stripe_events: logged('retry_failed_stripe_events', () =>
      retryFailedStripeEvents({ logger }),
    ),
    send_notifications: logged('send_notifications', () => sendPendingNotifications(mail)),
    tell_usage_thresholds: logged('tell_usage_thresholds', () => tellUsageThresholdsCrossed()),
    deliver_partner_webhooks: logged('deliver_partner_webhooks', () => deliverPartnerWebhooks()),
    purge_idempotent_requests: logged('purge_idempotent_requests', () => purgeIdempotentRequests()),
    purge_sign_in_failures: logged('purge_sign_in_failures', () => purgeSignInFailures()),
    purge_sign_up_requests: logged('purge_sign_up_requests', () => purgeExpiredSignUpRequests()),
    purge_rate_limit_counters: logged('purge_rate_limit_counters', () =>
      purgeExpiredRateLimitCounters({ database: Model.knex() }),
    ),
    produce_revenue_report: logged('produce_revenue_report', () => produceMonthlyRevenueReport()),
    reconcile_books: async () => {
      const report = await reconcileBooks();
      if (report.balanced) logger.info({ checked: report.checked }, 'the books balance');
      else
        logger.error(
          { differences: report.differences },
          'the books do not balance: see the reconciliation report',
        );
    },
  };
}

/**
 * When each job runs. Graphile Worker schedules every cron item once across all processes, however
 * many are running. The revenue report runs on the 1st (a run missed while nothing was running is made
 * up within six days) and reports the month before the app's clock, whenever it runs.
 */
export const CRONTAB = `
* * * * * expire_trials
*/15 * * * * notify_trials_ending
7 8 * * * send_expiry_reminders
*/10 * * * * send_platform_alerts
* * * * * expire_grace_periods
* * * * * apply_scheduled_plan_changes
* * * * * roll_local_periods
*/5 * * * * grant_plan_allowances
*/5 * * * * expire_credit_grants
* * * * * run_auto_top_ups
*/5 * * * * retry_failed_stripe_events
* * * * * send_notifications
* * * * * tell_usage_thresholds
* * * * * deliver_partner_webhooks
17 3 * * * purge_idempotent_requests
23 3 * * * purge_sign_in_failures
27 3 * * * purge_sign_up_requests
41 * * * * purge_rate_limit_counters
41 4 * * * reconcile_books
7 0 1 * * produce_revenue_report ?fill=6d
`;
