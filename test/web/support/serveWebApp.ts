import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { recordStripeMode } from '../../../server/admin/systemHealth';
import { createApp } from '../../../server/app';
import { listenForChanges } from '../../../server/db/changeNotifications';
import { bindModels, createDatabase } from '../../../server/db/knex';
import { createLogger } from '../../../server/logger';
import { settings, useSettings } from '../../../server/settings';
import { syncCatalogToStripe } from '../../../server/stripe/catalogSync';
import { createStripeClient, useStripe } from '../../../server/stripe/client';
import { startStripeEmulator } from '../../../server/stripe-emulator';
import { webApp } from '../../../server/web/webHandler';
import { consoleMailTransport } from '../../../server/notifications/consoleMail';
import { sendPendingNotifications } from '../../../server/notifications/delivery';
import { DevMailbox } from '../../../server/web/devMailbox';
import { GENEROUS_RATE_LIMITS } from '../../support/testApp';
import { createStripeWebhookReceiver } from '../../../server/webhooks/receiver';

/**
 * The whole product for the web tests, in its own process (run with tsx): Vite and Remix need real
 * ES modules, which Jest's module system does not give them. It serves the test file's own database
 * with the Stripe emulator, on free ports of 127.0.0.1, and prints its addresses as one JSON line.
 */
async function serve(): Promise<void> {
  const database = createDatabase({ connectionString: required('DATABASE_URL'), poolMax: 10 });
  bindModels(database);
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  // As in server/main.ts: the per-process caches hear of rows changed by any connection (the tests' own too).
  const stopListening = await listenForChanges({ connectionString: required('DATABASE_URL'), logger });

  const emulator = await startStripeEmulator({
    realTimeTickMs: 0,
    delivery: { retrySchedule: [20, 50, 100, 200] },
  });
  useStripe(createStripeClient({ secretKey: 'sk_test_web', emulator: emulator.sdkOptions() }));
  recordStripeMode('emulated');
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;

  // As `npm start` without SMTP: sent messages are kept for the mail viewer (the job runs more often here).
  const devMailbox = process.env.WEB_DEV_MAILBOX === 'true' ? new DevMailbox() : null;
  const sending = devMailbox
    ? setInterval(() => {
        sendPendingNotifications({
          transport: consoleMailTransport(() => undefined, devMailbox),
          from: 'Billing <billing@billing.test>',
        }).catch((error: unknown) => logger.error({ err: error }, 'could not send the outbox'));
      }, 250)
    : undefined;

  const server = createServer();
  const source = process.env.WEB_SOURCE === 'build' ? 'build' : 'vite';
  const production = process.env.WEB_PRODUCTION === 'true';
  const app = await createApp({
    database,
    logger,
    production,
    cookieOptions: { secret: required('SESSION_SECRET'), secure: false },
    securityHeaders: { https: false, viteClient: source === 'vite', formTargets: [emulator.url] },
    rateLimitRules: GENEROUS_RATE_LIMITS,
    stripeWebhookReceiver: createStripeWebhookReceiver({
      stripe: createStripeClient({ secretKey: 'sk_test_web', emulator: emulator.sdkOptions() }),
      secret: webhookSecret,
      logger,
    }),
    // As `npm start` does in development, Vite's hot reload shares the server's port.
    webHandler: webApp({
      source,
      production,
      viteCacheDirectory: process.env.VITE_CACHE_DIR,
      salesContactUrl: 'mailto:sales@billing.test',
      devMailbox,
      hotReloadServer: source === 'vite' ? server : undefined,
    }),
  });
  server.on('request', app.express);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  // As in development: partner webhooks may go to receivers on this machine (the tests' own).
  useSettings({
    publicUrl: url,
    partnerWebhooks: { ...settings().partnerWebhooks, allowPrivateAddresses: true, timeoutMs: 2_000 },
  });
  emulator.addWebhookEndpoint({ url: `${url}/webhooks/stripe`, secret: webhookSecret });
  await syncCatalogToStripe({ logger });
  process.stdout.write(`${JSON.stringify({ url, emulatorUrl: emulator.url })}\n`);

  const stop = async () => {
    clearInterval(sending);
    server.closeAllConnections();
    server.close();
    await app.stop();
    await stopListening();
    await emulator.stop();
    await database.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

serve().catch((error: unknown) => {
  process.stderr.write(
    `the web test server failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
