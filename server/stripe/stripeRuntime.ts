import { generateToken } from '../auth/secrets';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { startStripeEmulator, type StripeEmulator } from '../stripe-emulator';
import { createStripeClient, type StripeClient } from './client';

/**
 * Decides at start-up which Stripe the process talks to. With STRIPE_SECRET_KEY: real Stripe, whose
 * webhooks are signed with STRIPE_WEBHOOK_SECRET. Without: the emulator, started in this process, which
 * signs its deliveries with STRIPE_WEBHOOK_SECRET or a secret generated for this run.
 */
export interface StripeRuntime {
  client: StripeClient;
  mode: 'real' | 'emulated';
  webhookSecret: string | undefined;
  /** Points the emulator's webhook deliveries at our route, once the server's URL is known. */
  connectWebhooks(webhookUrl: string): void;
  emulator: StripeEmulator | undefined;
  stop(): Promise<void>;
}

const EMULATOR_SECRET_KEY = 'sk_test_emulator';

export async function startStripeRuntime({
  config,
  logger,
}: {
  config: Config;
  logger: Logger;
}): Promise<StripeRuntime> {
  if (config.stripeSecretKey) {
    if (!config.stripeWebhookSecret)
      logger.warn('STRIPE_WEBHOOK_SECRET is unset: Stripe webhooks will be refused');
    return {
      client: createStripeClient({ secretKey: config.stripeSecretKey }),
      mode: 'real',
      webhookSecret: config.stripeWebhookSecret,
      connectWebhooks: () => undefined,
      emulator: undefined,
      stop: async () => undefined,
    };
  }

  const webhookSecret = config.stripeWebhookSecret ?? `whsec_${generateToken(24)}`;
  const emulatorLogger = logger.child({ component: 'stripe-emulator' });
  const options = {
    host: config.host,
    stateFile: config.stripeEmulatorStateFile,
    logger: {
      info: (...args: unknown[]) => emulatorLogger.debug({ detail: args }, 'stripe emulator'),
      warn: (...args: unknown[]) => emulatorLogger.warn({ detail: args }, 'stripe emulator'),
      error: (...args: unknown[]) => emulatorLogger.error({ detail: args }, 'stripe emulator'),
    },
  };
  // A fixed port keeps hosted-page links valid across restarts; if it is taken, any free port will do.
  const emulator = await startStripeEmulator({ ...options, port: config.stripeEmulatorPort }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') throw error;
      logger.warn({ port: config.stripeEmulatorPort }, 'Stripe emulator port is taken; using a free port');
      return startStripeEmulator({ ...options, port: 0 });
    },
  );
  logger.info({ url: emulator.url }, 'STRIPE_SECRET_KEY is unset: using the built-in Stripe emulator');
  return {
    client: createStripeClient({ secretKey: EMULATOR_SECRET_KEY, emulator: emulator.sdkOptions() }),
    mode: 'emulated',
    webhookSecret,
    connectWebhooks: (webhookUrl) => emulator.addWebhookEndpoint({ url: webhookUrl, secret: webhookSecret }),
    emulator,
    stop: () => emulator.stop(),
  };
}
