/**
 * Another server process for tests: the app on the test database and the test's Stripe emulator. Started
 * with BILLING_CRASH_AT naming a fault point (server/faultPoints.ts) it kills itself there, as a crash
 * would; with STRIPE_WEBHOOK_SECRET it also receives Stripe's webhooks. Its clock follows the test's
 * (messages `{ clockAt }`, each answered `{ clockSet }`), so both processes judge time alike. Prints
 * `ready <url>` once it listens. BILLING_POOL_MAX sets its pool (4 unless told).
 */
import { ManualClock, useClock } from '../../server/clock';
import { bindModels, createDatabase } from '../../server/db/knex';
import { createLogger } from '../../server/logger';
import { useSettings } from '../../server/settings';
import { createStripeClient, useStripe } from '../../server/stripe/client';
import { createStripeWebhookReceiver } from '../../server/webhooks/receiver';
import { startTestApp } from './testApp';

async function main(): Promise<void> {
  const database = createDatabase({
    connectionString: process.env.DATABASE_URL!,
    poolMax: Number(process.env.BILLING_POOL_MAX ?? 4),
    applicationName: process.env.BILLING_APPLICATION_NAME,
  });
  bindModels(database);
  const stripe = createStripeClient({
    secretKey: 'sk_test_suite',
    emulator: { host: '127.0.0.1', port: Number(process.env.STRIPE_EMULATOR_PORT), protocol: 'http' },
  });
  useStripe(stripe);
  useSettings({ publicUrl: process.env.PUBLIC_URL });
  // The test's clock, where it moves time: sessions and periods are judged at the same instant.
  const clock = new ManualClock(new Date(process.env.CLOCK_AT ?? Date.now()));
  if (process.env.CLOCK_AT) useClock(clock);
  process.on('message', (message: { clockAt?: string }) => {
    if (!message.clockAt) return;
    clock.set(new Date(message.clockAt));
    process.send!({ clockSet: message.clockAt });
  });
  const secret = process.env.STRIPE_WEBHOOK_SECRET;
  const app = await startTestApp({
    database,
    ...(secret && {
      stripeWebhookReceiver: createStripeWebhookReceiver({
        stripe,
        secret,
        logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      }),
    }),
  });
  process.stdout.write(`ready ${app.url}\n`);
  // The test ends it if no fault point was reached.
  process.on('SIGTERM', () => process.exit(0));
  // A process that only hears the test through IPC must not outlive it.
  process.on('disconnect', () => process.exit(0));
}

void main();
