import { Logger as WorkerLogger, run, type Runner } from 'graphile-worker';
import { createTransport } from 'nodemailer';
import type { Logger } from '../logger';
import { createTaskList, CRONTAB } from './tasks';

/**
 * Background jobs on Graphile Worker, a job queue kept in Postgres: several server processes can run
 * side by side, each job runs once, and nothing is lost across restarts.
 */
export async function startJobRunner({
  connectionString,
  logger,
  smtpUrl,
  mailFrom,
  concurrency = 2,
}: {
  connectionString: string;
  logger: Logger;
  smtpUrl: string | undefined;
  mailFrom: string;
  concurrency?: number;
}): Promise<Runner> {
  const jobLogger = logger.child({ component: 'jobs' });
  return run({
    connectionString,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    // A pooled transport keeps SMTP connections open between messages.
    taskList: createTaskList({
      logger: jobLogger,
      mail: { transport: smtpUrl ? createTransport({ url: smtpUrl, pool: true }) : null, from: mailFrom },
    }),
    crontab: CRONTAB,
    logger: new WorkerLogger(() => (level, message, meta) => {
      if (level === 'error') jobLogger.error({ meta }, message);
      else if (level === 'warning') jobLogger.warn({ meta }, message);
      else jobLogger.debug({ meta }, message);
    }),
  });
}
