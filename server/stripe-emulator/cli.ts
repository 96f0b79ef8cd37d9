import pino from 'pino';
import { startStripeEmulator } from './index';

/**
 * Runs the emulator on its own: `npm run stripe-emulator`. Reads STRIPE_EMULATOR_PORT,
 * STRIPE_EMULATOR_HOST, STRIPE_EMULATOR_STATE_FILE, STRIPE_EMULATOR_PUBLIC_URL,
 * STRIPE_EMULATOR_TICK_MS, and forwards webhooks to STRIPE_EMULATOR_WEBHOOK_URL signed with
 * STRIPE_WEBHOOK_SECRET.
 */
async function main(): Promise<void> {
  const logger = pino({ name: 'stripe-emulator', level: process.env.LOG_LEVEL ?? 'info' });
  const env = process.env;
  const webhookUrl = env.STRIPE_EMULATOR_WEBHOOK_URL;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET;
  if (webhookUrl && !webhookSecret)
    throw new Error('STRIPE_EMULATOR_WEBHOOK_URL needs STRIPE_WEBHOOK_SECRET (whsec_...) to sign deliveries');
  const port = env.STRIPE_EMULATOR_PORT ? Number(env.STRIPE_EMULATOR_PORT) : 12111;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error('STRIPE_EMULATOR_PORT must be a port number');
  const emulator = await startStripeEmulator({
    host: env.STRIPE_EMULATOR_HOST || '127.0.0.1',
    port,
    publicUrl: env.STRIPE_EMULATOR_PUBLIC_URL || undefined,
    stateFile: env.STRIPE_EMULATOR_STATE_FILE || undefined,
    realTimeTickMs: env.STRIPE_EMULATOR_TICK_MS ? Number(env.STRIPE_EMULATOR_TICK_MS) : undefined,
    webhookEndpoints: webhookUrl && webhookSecret ? [{ url: webhookUrl, secret: webhookSecret }] : [],
    logger: {
      info: (...args) => logger.info(args[0] as object, args[1] as string),
      warn: (...args) => logger.warn(args[0] as object, args[1] as string),
      error: (...args) => logger.error(args[0] as object, args[1] as string),
    },
  });
  process.stdout.write(`Stripe emulator listening on ${emulator.url}\n`);
  process.stdout.write(`  new Stripe('sk_test_anything', ${JSON.stringify(emulator.sdkOptions())})\n`);
  if (webhookUrl) process.stdout.write(`  forwarding webhooks to ${webhookUrl}\n`);
  const shutdown = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
