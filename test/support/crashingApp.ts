/**
 * Another server process for crash tests: the app on the test database and the test's Stripe emulator,
 * started with BILLING_CRASH_AT naming the fault point where it kills itself (server/faultPoints.ts).
 * Prints `ready <url>` once it listens.
 */
import { ManualClock, useClock } from '../../server/clock';
import { bindModels, createDatabase } from '../../server/db/knex';
import { useSettings } from '../../server/settings';
import { createStripeClient, useStripe } from '../../server/stripe/client';
import { startTestApp } from './testApp';

async function main(): Promise<void> {
  const database = createDatabase({
    connectionString: process.env.DATABASE_URL!,
    poolMax: 4,
    applicationName: process.env.BILLING_APPLICATION_NAME,
  });
  bindModels(database);
  useStripe(
    createStripeClient({
      secretKey: 'sk_test_suite',
      emulator: { host: '127.0.0.1', port: Number(process.env.STRIPE_EMULATOR_PORT), protocol: 'http' },
    }),
  );
  useSettings({ publicUrl: process.env.PUBLIC_URL });
  // The test's clock, where it moves time: sessions and periods are judged at the same instant.
  if (process.env.CLOCK_AT) useClock(new ManualClock(new Date(process.env.CLOCK_AT)));
  const app = await startTestApp({ database });
  process.stdout.write(`ready ${app.url}\n`);
  // The test ends it if the fault point was never reached.
  process.on('SIGTERM', () => process.exit(0));
}

void main();
