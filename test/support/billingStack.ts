import { randomBytes } from 'node:crypto';
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
import { useTestDatabase } from './database';
import { startTestApp, type TestApp } from './testApp';

export interface BillingStack {
  app: TestApp;
  stripe: Stripe;
  emulator: StripeEmulator;
  webhookSecret: string;
  knex: ReturnType<typeof useTestDatabase>['knex'];
  /** The test database's address, for another process to share it. */
  connectionString: string;
  /** Waits until the emulator has delivered every webhook it queued (and our route answered). */
  settle(): Promise<void>;
}

/**
 * The whole product for one test file: its own database with the demo catalog, the Stripe emulator
 * (synced catalog, webhooks signed and delivered to our route over HTTP) and the app on a free port.
 */
export function useBillingStack({
  delivery,
  webhooks = true,
}: { delivery?: StripeEmulatorOptions['delivery']; webhooks?: boolean } = {}): BillingStack {
  const db = useTestDatabase();
  const stack = {} as BillingStack;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    await createDemoCatalog(db.knex);
    const emulator = await startStripeEmulator({
      realTimeTickMs: 0,
      delivery: { retrySchedule: [20, 50, 100, 200], ...delivery },
    });
    const client = createStripeClient({ secretKey: 'sk_test_suite', emulator: emulator.sdkOptions() });
    cleanups.push(useStripe(client));
    const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
    const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const app = await startTestApp({
      database: db.knex,
      stripeWebhookReceiver: createStripeWebhookReceiver({ stripe: client, secret: webhookSecret, logger }),
    });
    cleanups.push(useSettings({ publicUrl: app.url }));
    if (webhooks) emulator.addWebhookEndpoint({ url: `${app.url}/webhooks/stripe`, secret: webhookSecret });
    await syncCatalogToStripe({ logger });
    Object.assign(stack, {
      app,
      stripe: client,
      emulator,
      webhookSecret,
      settle: () => emulator.webhooksIdle(),
      connectionString: db.connectionString,
    });
    Object.defineProperty(stack, 'knex', { get: () => db.knex });
  });

  afterAll(async () => {
    await stack.app?.close();
    await stack.emulator?.stop();
    cleanups.reverse().forEach((cleanup) => cleanup());
  });

  return stack;
}
