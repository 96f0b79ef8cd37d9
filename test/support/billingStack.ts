import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { createLogger } from '../../server/logger';
import { useSettings } from '../../server/settings';
import { syncCatalogToStripe } from '../../server/stripe/catalogSync';
import { createStripeClient, useStripe } from '../../server/stripe/client';
import {
  startStripeEmulator,
  type StripeEmulator,
  type StripeEmulatorOptions,
} from '../../server/stripe-emulator';
import { createStripeWebhookReceiver } from '../../server/webhooks/receiver';
import { createDemoCatalog } from '../factories';
import { startSecondProcess, type SecondProcess } from './crashingProcess';
import { useTestDatabase } from './database';
import { startTestApp, type TestApp } from './testApp';

export interface BillingStack {
  app: TestApp;
  /** Every instance of the app, `app` first: they share the database, as copies of the service behind a load balancer do. */
  apps: Array<Pick<TestApp, 'url'>>;
  stripe: Stripe;
  emulator: StripeEmulator;
  webhookSecret: string;
  knex: ReturnType<typeof useTestDatabase>['knex'];
  /** The test database's address, for another process to share it. */
  connectionString: string;
  /** Tells the app instances in other processes the test's current time (a no-op without them). */
  followClock(): Promise<void>;
  /** Waits until the emulator has delivered every webhook it queued (and our route answered). */
  settle(): Promise<void>;
  /**
   * Resolves when Stripe sends an event of this type about an object that `matches`: for work the
   * product starts without being awaited (a top-up after a consumption), so a test waits for the event
   * rather than for time to pass. Ask before doing what causes it; follow with settle() for our route.
   */
  nextStripeEvent(type: string, matches: (object: Record<string, any>) => boolean): Promise<void>;
}

/**
 * The whole product for one test file: its own database with the demo catalog (or none), the Stripe
 * emulator (synced catalog, webhooks signed and delivered to our route over HTTP) and the app on a free
 * port.
 */
export function useBillingStack({
  delivery,
  webhooks = true,
  instances = 1,
  catalog = 'demo',
  secondProcess = false,
}: {
  delivery?: StripeEmulatorOptions['delivery'];
  webhooks?: boolean;
  /** How many instances of the app to start in this process on the shared database (each with its own HTTP server). */
  instances?: number;
  /** The demo catalog (seeds/01_catalog.ts), or an empty one for the test to fill. */
  catalog?: 'demo' | 'empty';
  /** Adds one more instance, last in `apps`, as a separate Node process on the same database and emulator. */
  secondProcess?: boolean;
} = {}): BillingStack {
  const db = useTestDatabase();
  const stack = {} as BillingStack;
  const cleanups: Array<() => unknown> = [];
  let tap: EventTap | undefined;
  let otherProcess: SecondProcess | undefined;
  const inProcessApps: TestApp[] = [];

  beforeAll(async () => {
    if (catalog === 'demo') await createDemoCatalog(db.knex);
    const emulator = await startStripeEmulator({
      realTimeTickMs: 0,
      delivery: { retrySchedule: [20, 50, 100, 200], ...delivery },
    });
    const client = createStripeClient({ secretKey: 'sk_test_suite', emulator: emulator.sdkOptions() });
    cleanups.push(useStripe(client));
    const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
    const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const apps: TestApp[] = [];
    for (let index = 0; index < instances; index += 1)
      apps.push(
        await startTestApp({
          database: db.knex,
          stripeWebhookReceiver: createStripeWebhookReceiver({
            stripe: client,
            secret: webhookSecret,
            logger,
          }),
        }),
      );
    inProcessApps.push(...apps);
    const app = apps[0]!;
    cleanups.push(useSettings({ publicUrl: app.url }));
    if (webhooks) emulator.addWebhookEndpoint({ url: `${app.url}/webhooks/stripe`, secret: webhookSecret });
    await syncCatalogToStripe({ logger });
    Object.assign(stack, {
      app,
      apps,
      stripe: client,
      emulator,
      webhookSecret,
      settle: () => emulator.webhooksIdle(),
      followClock: async () => otherProcess?.followClock(),
      connectionString: db.connectionString,
      nextStripeEvent: async (type: string, matches: (object: Record<string, any>) => boolean) => {
        tap ??= await startEventTap(emulator);
        return tap.next(type, matches);
      },
    });
    Object.defineProperty(stack, 'knex', { get: () => db.knex });
    if (secondProcess) {
      otherProcess = await startSecondProcess({ stack, webhookSecret });
      stack.apps = [...apps, { url: otherProcess.url }];
    }
  });

  afterAll(async () => {
    await tap?.close();
    await otherProcess?.stop();
    for (const app of inProcessApps) await app.close();
    await stack.emulator?.stop();
    cleanups.reverse().forEach((cleanup) => cleanup());
  });

  return stack;
}

interface EventTap {
  next(type: string, matches: (object: Record<string, any>) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** A second webhook endpoint, in the test, that hears every event the emulator sends from now on. */
async function startEventTap(emulator: StripeEmulator): Promise<EventTap> {
  const waiting: Array<{
    type: string;
    matches: (object: Record<string, any>) => boolean;
    heard: () => void;
  }> = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const event = JSON.parse(body) as { type: string; data: { object: Record<string, any> } };
      for (const waiter of waiting.filter(
        ({ type, matches }) => type === event.type && matches(event.data.object),
      )) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.heard();
      }
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  emulator.addWebhookEndpoint({ url: `http://127.0.0.1:${port}/`, secret: 'whsec_test_tap' });
  return {
    next: (type, matches) => new Promise((heard) => waiting.push({ type, matches, heard })),
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
