import { Logger as WorkerLogger, run, runMigrations, type Runner } from 'graphile-worker';
import { createTransport } from 'nodemailer';
import type { Logger } from '../logger';
import { jobsFinished } from '../observability/metrics';
import { consoleMailTransport } from '../notifications/consoleMail';
import type { DevMailbox } from '../web/devMailbox';
import { createTaskList, CRONTAB } from './tasks';

/**
 * Installs or upgrades the job queue's schema (graphile_worker). Run under the start-up lock: two
 * processes installing it at the same moment collide in Postgres's catalog.
 */
export async function prepareJobQueue({
  connectionString,
  logger,
}: {
  connectionString: string;
  logger: Logger;
}): Promise<void> {
  await runMigrations({ connectionString, logger: workerLogger(logger.child({ component: 'jobs' })) });
}

/**
 * Background jobs on Graphile Worker, a job queue kept in Postgres: several server processes can run
 * side by side, each job runs once, and nothing is lost across restarts.
 */
export async function startJobRunner({
  connectionString,
  logger,
  smtpUrl,
  mailFrom,
  printMailWithoutSmtp = false,
  devMailbox,
  concurrency = 2,
}: {
  connectionString: string;
  logger: Logger;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Development: without SMTP, write messages to the terminal rather than leave them unsent. */
  printMailWithoutSmtp?: boolean;
  /** Where printed messages are also kept, for the development mail viewer. */
  devMailbox?: DevMailbox;
  concurrency?: number;
}): Promise<Runner> {
  const jobLogger = logger.child({ component: 'jobs' });
  // A pooled transport keeps SMTP connections open between messages.
  const transport = smtpUrl
    ? createTransport({ url: smtpUrl, pool: true })
    : printMailWithoutSmtp
      ? consoleMailTransport(undefined, devMailbox)
      : null;
  const runner = await run({
    connectionString,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: createTaskList({ logger: jobLogger, mail: { transport, from: mailFrom } }),
    crontab: CRONTAB,
    logger: workerLogger(jobLogger),
  });
  // `error`: this attempt failed and the job will be retried; `failed`: it will not be retried.
  runner.events.on('job:success', ({ job }) =>
    jobsFinished.inc({ task: job.task_identifier, outcome: 'ok' }),
  );
  runner.events.on('job:error', ({ job }) =>
    jobsFinished.inc({ task: job.task_identifier, outcome: 'error' }),
  );
  runner.events.on('job:failed', ({ job }) =>
    jobsFinished.inc({ task: job.task_identifier, outcome: 'failed' }),
  );
  return runner;
}

function workerLogger(jobLogger: Logger): WorkerLogger {
  return new WorkerLogger(() => (level, message, meta) => {
    if (level === 'error') jobLogger.error({ meta }, message);
    else if (level === 'warning') jobLogger.warn({ meta }, message);
    else jobLogger.debug({ meta }, message);
  });
}
