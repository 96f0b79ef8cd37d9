import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config';
import { startEmbeddedDatabase } from './db/connect';
import type { Logger } from './logger';
import { localUrlOf } from './net';
import { resolveSessionSecret } from './sessionSecret';
import { closeAndExit, READY_TO_STOP_MESSAGE, STOP_MESSAGE } from './shutdown';
import { startStripeRuntime, type StripeRuntime } from './stripe/stripeRuntime';

/** Set in each worker: its place among the processes, 0 for the one that runs jobs and greets. */
export const PROCESS_SLOT_VARIABLE = 'BILLING_PROCESS_SLOT';

/** A worker that dies this soon after it started is restarted after a growing pause, up to the last. */
const QUICK_DEATH_MS = 10_000;
const RESTART_PAUSES_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/**
 * `npm start` with WEB_CONCURRENCY above 1. One Node process runs on one core, so the service runs as
 * several: this primary process serves nothing itself and forks the workers, each a whole copy of the
 * service (server/main.ts) listening on the same port, where Node's cluster hands each new connection to
 * one of them. The copies already share everything through Postgres (limits, caches' invalidations, the
 * job queue, the startup lock: decision 043); what they would each start on their own when the service
 * runs on its embedded defaults is started here once and handed to them: the embedded Postgres, the
 * Stripe emulator (which delivers its webhooks to the shared port) and the development session secret.
 * Only the first worker runs the background jobs. A worker that dies is replaced; SIGTERM or SIGINT
 * drains every worker, then stops what this process started.
 */
export async function superviseProcesses({
  config,
  logger,
}: {
  config: Config;
  logger: Logger;
}): Promise<void> {
  const shared: Record<string, string> = {};
  let database: Awaited<ReturnType<typeof startEmbeddedDatabase>> | undefined;
  let stripe: StripeRuntime | undefined;
  if (!config.databaseUrl) {
    database = await startEmbeddedDatabase({ config, logger });
    shared.DATABASE_URL = database.connectionString;
  }
  if (!config.sessionSecret) shared.SESSION_SECRET = await resolveSessionSecret(config);
  if (!config.stripeSecretKey && !config.stripeEmulatorUrl) {
    stripe = await startStripeRuntime({ config, logger });
    shared.STRIPE_EMULATOR_URL = stripe.emulatorUrl!;
    shared.STRIPE_WEBHOOK_SECRET = stripe.webhookSecret!;
  }

  let stopping = false;
  const slots = new Map<Worker, { slot: number; startedAt: number }>();
  /** Workers that listen for the stop message; one still starting is told when it says it does. */
  const readyToStop = new Set<Worker>();
  const quickDeaths = new Map<number, number>();
  const fork = (slot: number) => {
    const worker = cluster.fork({
      ...shared,
      [PROCESS_SLOT_VARIABLE]: String(slot),
      JOBS_ENABLED: String(slot === 0 && config.jobsEnabled),
    });
    slots.set(worker, { slot, startedAt: Date.now() });
  };

  // The emulator learns where to deliver once the shared port is known (PORT=0 picks it on first listen).
  cluster.once('listening', (_worker, address) => {
    stripe?.connectWebhooks(`${localUrlOf(config.host, address.port)}/webhooks/stripe`);
    logger.info({ processes: config.processes, port: address.port }, 'serving with several processes');
  });
  cluster.on('message', (worker, message) => {
    if (message !== READY_TO_STOP_MESSAGE) return;
    readyToStop.add(worker);
    if (stopping) worker.send(STOP_MESSAGE);
  });
  cluster.on('exit', (worker, code, signal) => {
    const place = slots.get(worker);
    slots.delete(worker);
    readyToStop.delete(worker);
    if (stopping || !place) return;
    const quick = Date.now() - place.startedAt < QUICK_DEATH_MS;
    const deaths = quick ? (quickDeaths.get(place.slot) ?? 0) + 1 : 0;
    quickDeaths.set(place.slot, deaths);
    const pauseMs = deaths === 0 ? 0 : RESTART_PAUSES_MS[Math.min(deaths, RESTART_PAUSES_MS.length) - 1]!;
    logger.error(
      { slot: place.slot, pid: worker.process.pid, code, signal, pauseMs },
      'a worker died: replacing it',
    );
    setTimeout(() => !stopping && fork(place.slot), pauseMs).unref();
  });

  for (let slot = 0; slot < config.processes; slot += 1) fork(slot);

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: ending every worker without waiting');
      for (const worker of slots.keys()) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: every worker finishes its in-flight work');
    // A message, not a signal: a terminal's Ctrl-C has already signalled every worker, and a second signal
    // would cut its drain short.
    const exited = [...slots.keys()].map(
      (worker) =>
        new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once('exit', () => resolve()))),
    );
    for (const worker of readyToStop) if (worker.isConnected()) worker.send(STOP_MESSAGE);
    // A worker stuck in its start would never say it is ready: past the grace period, and a little
    // more for the drain's own closing, what is left is ended.
    setTimeout(() => {
      if (slots.size === 0) return;
      logger.warn(
        { workers: [...slots.keys()].map((worker) => worker.process.pid) },
        'ending workers that did not stop',
      );
      for (const worker of slots.keys()) worker.process.kill('SIGKILL');
    }, config.shutdownGraceMs + 10_000).unref();
    await Promise.all(exited);
    await closeAndExit(logger, async () => {
      await stripe?.stop();
      await database?.stop();
    });
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
}
