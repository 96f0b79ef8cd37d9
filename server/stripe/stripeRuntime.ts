import { generateToken } from '../auth/secrets';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { startStripeEmulator, type StripeEmulator } from '../stripe-emulator';
import { createStripeClient, type StripeClient } from './client';

/**
 * Decides at start-up which Stripe the process talks to. With STRIPE_SECRET_KEY: real Stripe, whose
 * webhooks are signed with STRIPE_WEBHOOK_SECRET. With STRIPE_EMULATOR_URL: an emulator shared by several
 * processes (`npm run stripe-emulator`), which forwards its webhooks to the URL it was started with,
 * signed with the same STRIPE_WEBHOOK_SECRET. Otherwise: an emulator started in this process, which
 * signs its deliveries with STRIPE_WEBHOOK_SECRET or a secret generated for this run.
 */
export interface StripeRuntime {
  client: StripeClient;
  mode: 'real' | 'emulated';
  webhookSecret: string | undefined;
  /** Points the emulator's webhook deliveries at our route, once the server's URL is known. */
  connectWebhooks(webhookUrl: string): void;
  /** The in-process emulator, when this process started one. */
  emulator: StripeEmulator | undefined;
  /** Where the emulator answers (in-process or shared); undefined against real Stripe. */
  emulatorUrl: string | undefined;
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
      emulatorUrl: undefined,
      stop: async () => undefined,
    };
  }
  if (config.stripeEmulatorUrl) return connectSharedEmulator(config.stripeEmulatorUrl, config, logger);

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
    emulatorUrl: emulator.url,
    stop: () => emulator.stop(),
  };
}

async function connectSharedEmulator(url: string, config: Config, logger: Logger): Promise<StripeRuntime> {
  const address = new URL(url);
  const health = new URL('/_emulator/health', address);
  const answer = await fetch(health, { signal: AbortSignal.timeout(5_000) }).then(
    async (response) => (response.ok ? ((await response.json()) as { public_url?: string }) : undefined),
    () => undefined,
  );
  if (!answer)
    throw new Error(
      `STRIPE_EMULATOR_URL=${url} does not answer ${health.pathname}: start it first with \`npm run stripe-emulator\``,
    );
  // Browsers are sent to the emulator's hosted pages at its public address, which may differ from the
  // address this process reaches it at (a container name, say).
  const publicUrl = answer.public_url ?? address.origin;
  logger.info({ url: address.origin, publicUrl }, 'using the shared Stripe emulator at STRIPE_EMULATOR_URL');
  return {
    client: createStripeClient({
      secretKey: EMULATOR_SECRET_KEY,
      emulator: { host: address.hostname, port: Number(address.port || 80), protocol: 'http' },
    }),
    mode: 'emulated',
    webhookSecret: config.stripeWebhookSecret,
    // The shared emulator was told where to deliver when it started (STRIPE_EMULATOR_WEBHOOK_URL).
    connectWebhooks: () => undefined,
    emulator: undefined,
    emulatorUrl: publicUrl,
    stop: async () => undefined,
  };
}
