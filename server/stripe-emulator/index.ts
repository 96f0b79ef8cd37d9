import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Stripe from 'stripe';
import { processDueWork, processRealTime } from './billing/engine';
import type { Context } from './context';
import { EventBus } from './events/bus';
import { type DeliveryTarget, WebhookDispatcher } from './events/delivery';
import { createApiRouter } from './http/api';
import { outsideRequest } from './http/request-context';
import {
  silentLogger,
  type StripeEmulator,
  type StripeEmulatorOptions,
  type WebhookEndpointConfig,
} from './options';
import { createPagesRouter } from './pages/router';
import { registerResources } from './resources';
import { StatePersistence } from './store/persistence';
import { Store } from './store/store';

export type { StripeEmulator, StripeEmulatorOptions, WebhookEndpointConfig } from './options';

const DEFAULT_TICK_MS = 30_000;

/**
 * Starts a stateful Stripe emulator: the `/v1` API the official SDK talks to, the hosted pages
 * (Checkout, billing portal, invoices, 3-D Secure), webhook delivery and the billing engine that
 * renews, retries and expires things as time passes, on test clocks or in real time.
 */
export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const store = new Store();
  const persistence = options.stateFile ? new StatePersistence(store, options.stateFile, logger) : undefined;
  persistence?.load();
  persistence?.attach();

  const configuredEndpoints: DeliveryTarget[] = [];
  const addWebhookEndpoint = (endpoint: WebhookEndpointConfig) =>
    configuredEndpoints.push({ id: `configured_${configuredEndpoints.length}`, ...endpoint });
  (options.webhookEndpoints ?? []).forEach(addWebhookEndpoint);
  const dispatcher = new WebhookDispatcher(
    () => [
      ...configuredEndpoints,
      ...store
        .list('webhook_endpoint')
        .filter((endpoint) => endpoint.status === 'enabled')
        .map((endpoint) => ({
          id: endpoint.id,
          url: endpoint.url,
          secret: store.extras.webhookSecrets[endpoint.id] ?? '',
          enabledEvents: endpoint.enabled_events,
        })),
    ],
    options.delivery ?? {},
    logger,
  );

  const pendingAdvances = new Map<string, Promise<void>>();
  const ctx: Context = {
    store,
    events: new EventBus(store, dispatcher),
    logger,
    publicUrl: '',
    afterFinalPaymentFailure: options.afterFinalPaymentFailure ?? 'cancel',
    paymentRetryDays: options.paymentRetryDays ?? [3, 5, 7],
    scheduleClockAdvance(clockId) {
      const advance = new Promise<void>((resolve) => {
        setImmediate(() => {
          try {
            const clock = store.get('test_helpers.test_clock', clockId);
            const target = clock?.status_details.advancing?.target_frozen_time;
            if (!clock || target === undefined) return;
            processDueWork(ctx, clockId, target);
            outsideRequest(() => {
              const before = structuredClone(clock);
              clock.frozen_time = target;
              clock.status = 'ready';
              clock.status_details = {};
              store.changed();
              ctx.events.emit('test_helpers.test_clock.ready', clock, before);
            });
          } finally {
            pendingAdvances.delete(clockId);
            resolve();
          }
        });
      });
      pendingAdvances.set(clockId, advance);
    },
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // public_url: where browsers reach the hosted pages, which a process using this emulator must allow.
  app.get('/_emulator/health', (_req, res) =>
    res.json({ ok: true, api_version: Stripe.API_VERSION, public_url: ctx.publicUrl }),
  );
  app.post('/_emulator/process', (_req, res) => {
    processRealTime(ctx);
    res.json({ ok: true });
  });
  app.use(
    '/v1',
    createApiRouter(ctx, (routes) => registerResources(routes, ctx)),
  );
  app.use(createPagesRouter(ctx));

  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  ctx.publicUrl = (options.publicUrl ?? url).replace(/\/+$/, '');

  // Work that fell due while the emulator was down (renewals in a saved state) is done at start.
  processRealTime(ctx);
  const tickMs = options.realTimeTickMs ?? DEFAULT_TICK_MS;
  const ticker = tickMs > 0 ? setInterval(() => processRealTime(ctx), tickMs) : undefined;
  // The ticker must never keep a test process (or a stopping server) alive.
  ticker?.unref();

  let stopped = false;
  return {
    url,
    host,
    port,
    sdkOptions: () => ({ host, port, protocol: 'http' as const }),
    addWebhookEndpoint,
    async webhooksIdle() {
      while (pendingAdvances.size > 0) await Promise.all(pendingAdvances.values());
      await dispatcher.idle();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (ticker) clearInterval(ticker);
      await Promise.all(pendingAdvances.values());
      dispatcher.stop();
      persistence?.saveNow();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
