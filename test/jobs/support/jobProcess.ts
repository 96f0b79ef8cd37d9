/**
 * A second (and third) server process for the job tests: it runs only the job queue against the test
 * database, and reports each job it completes on stdout.
 */
import { bindModels, createDatabase } from '../../../server/db/knex';
import { withStartupLock } from '../../../server/db/startupLock';
import { prepareJobQueue, startJobRunner } from '../../../server/jobs/jobRunner';
import { createLogger } from '../../../server/logger';

async function main(): Promise<void> {
  const connectionString = process.env.DATABASE_URL!;
  const database = createDatabase({ connectionString, poolMax: 4 });
  bindModels(database);
  const logger = createLogger({ level: 'silent' });
  // As the service starts (server/main.ts): the job queue's schema is installed under the start-up lock,
  // since two processes installing it at once on a fresh database collide in Postgres's catalog.
  await withStartupLock({ database, prepare: () => prepareJobQueue({ connectionString, logger }) });
  const runner = await startJobRunner({
    connectionString,
    logger,
    smtpUrl: process.env.SMTP_URL,
    mailFrom: 'Billing <billing@test>',
  });
  runner.events.on('job:success', ({ job }) => process.stdout.write(`done ${job.task_identifier}\n`));
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    // A stop that hangs must not leave this process behind the test run.
    setTimeout(() => process.exit(1), 10_000).unref();
    void runner
      .stop()
      .then(() => database.destroy())
      .then(() => process.exit(0));
  });
}

void main();
