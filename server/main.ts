// First: tracing patches http, express, graphql and pg as they load (a no-op unless configured).
import { stopTracing, tracingEnabled } from './observability/tracing';
import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { reportCatalogReadiness } from './admin/catalogReadiness';
import { recordStripeMode } from './admin/systemHealth';
import { createApp } from './app';
import { ConfigError, loadConfig, loadDotEnvOutsideProduction, type Config } from './config';
import { connectDatabase } from './db/connect';
import { seedDemoData } from './db/demoData';
import { applyMigrations } from './db/migrations';
import { withStartupLock } from './db/startupLock';
import { listenForChanges } from './db/changeNotifications';
import { prepareJobQueue, startJobRunner } from './jobs/jobRunner';
import { DevMailbox } from './web/devMailbox';
import { usePartnerWebhookWakeUp, wakeUpThroughJobQueue } from './partnerWebhooks/wakeUp';
import { createLogger } from './logger';
import { localUrlOf } from './net';
import { resolveSessionSecret } from './sessionSecret';
import { PROCESS_SLOT_VARIABLE, superviseProcesses } from './processes';
import { drainableServer, registerShutdown } from './shutdown';
import { runningCompiled } from './paths';
import { settings, useSettings } from './settings';
import { syncCatalogToStripe } from './stripe/catalogSync';
import { useStripe } from './stripe/client';
import { securityHeadersFor } from './http/securityHeaders';
import { startStripeRuntime } from './stripe/stripeRuntime';
import { testClocksAllowed } from './testClocks/availability';
import { webApp } from './web/webHandler';
import { createStripeWebhookReceiver } from './webhooks/receiver';
import { readDemoCredentials } from '../seeds/02_demo_users';

/**
 * `npm start`: validate the configuration, bring up the database (embedded when DATABASE_URL is
 * unset), migrate, seed demo data in development, say whether sign-ups can work yet, and serve.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    loadDotEnvOutsideProduction();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable and its meaning.\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // WEB_CONCURRENCY above 1: this process supervises that many copies of the rest of this function.
  if (config.processes > 1 && cluster.isPrimary) return superviseProcesses({ config, logger });

  const connection = await connectDatabase({ config, logger });
  // Copies started at the same moment take turns: the first migrates and seeds, the others find it done.
  await withStartupLock({
    database: connection.database,
    logger,
    prepare: async () => {
      const applied = await applyMigrations(connection.database);
      if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
      // Installed here even where JOBS_ENABLED=false: web-only processes still add jobs.
      await prepareJobQueue({ connectionString: connection.connectionString, logger });
      await seedDemoData({ database: connection.database, config, logger });
    },
  });
  await reportCatalogReadiness({ logger });

  const stopListening = await listenForChanges({ connectionString: connection.connectionString, logger });
  const stripeRuntime = await startStripeRuntime({ config, logger });
  useStripe(stripeRuntime.client);
  recordStripeMode(stripeRuntime.mode);
  const synced = await syncCatalogToStripe({ logger });
  logger.info({ ...synced, stripe: stripeRuntime.mode }, 'catalog synced to Stripe');

  // Created before the app so that, in development, Vite's hot reload shares its port.
  const server = createServer({ keepAliveTimeout: config.keepAliveMs });
  const serving = drainableServer(server);
  // Development without SMTP keeps what it would have sent for the mail viewer (/dev/mail).
  const devMailbox =
    config.nodeEnv === 'development' && !config.smtpUrl && config.jobsEnabled ? new DevMailbox() : null;
  const app = await createApp({
    database: connection.database,
    logger,
    production: config.isProduction,
    cookieOptions: {
      secret: await resolveSessionSecret(config),
      previousSecrets: config.sessionSecretPrevious,
      secure: config.isProduction,
    },
    securityHeaders: securityHeadersFor({
      publicUrl: config.publicUrl,
      production: config.isProduction,
      stripeEmulatorUrl: stripeRuntime.emulatorUrl,
    }),
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
    rateLimitRules: config.rateLimits,
    stripeWebhookReceiver: createStripeWebhookReceiver({
      stripe: stripeRuntime.client,
      secret: stripeRuntime.webhookSecret,
      logger,
    }),
    // Production and the compiled server serve `npm run build`; development from source compiles the
    // web app on request, with no build step.
    webHandler: webApp(
      config.isProduction || runningCompiled
        ? {
            source: 'build',
            production: config.isProduction,
            salesContactUrl: config.salesContactUrl,
            devMailbox,
          }
        : {
            source: 'vite',
            production: false,
            hotReloadServer: server,
            salesContactUrl: config.salesContactUrl,
            devMailbox,
          },
    ),
  });
  server.on('request', app.express);
  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const localUrl = localUrlOf(config.host, listeningPort(server));
  const url = config.publicUrl ?? localUrl;
  useSettings({
    publicUrl: url,
    gracePeriodDays: config.gracePeriodDays,
    checkoutRateLimit: config.checkoutRateLimit,
    partnerWebhooks: {
      ...settings().partnerWebhooks,
      allowPrivateAddresses: config.partnerWebhooksAllowPrivate,
    },
    partnerReturnUrls: { origins: config.partnerReturnOrigins, allowHttp: !config.isProduction },
    notifications: config.notifications,
    testClocks: testClocksAllowed(config.stripeSecretKey),
  });
  stripeRuntime.connectWebhooks(`${localUrl}/webhooks/stripe`);
  const jobs = config.jobsEnabled
    ? await startJobRunner({
        connectionString: connection.connectionString,
        logger,
        smtpUrl: config.smtpUrl,
        mailFrom: config.mailFrom,
        printMailWithoutSmtp: config.nodeEnv === 'development',
        devMailbox: devMailbox ?? undefined,
      })
    : undefined;
  // Partner events wake the delivery job when their transaction commits (whichever process runs jobs);
  // its run every minute stays the safety net.
  usePartnerWebhookWakeUp(
    wakeUpThroughJobQueue(connection.database, (error) =>
      logger.warn({ err: error }, 'could not wake the partner webhook job; it runs within a minute'),
    ),
  );
  // Before saying it is up: from then on a signal, or its primary's message, drains it.
  registerShutdown({
    logger,
    serving,
    graceMs: config.shutdownGraceMs,
    drain: async () => {
      await jobs?.stop();
    },
    close: async () => {
      await stopListening();
      await app.stop();
      await stripeRuntime.stop();
      await connection.close();
      await stopTracing();
    },
  });
  logger.info(
    { url, database: connection.mode, stripe: stripeRuntime.mode, tracing: tracingEnabled() },
    'billing service is up',
  );
  // Of several processes, the first greets for all of them.
  const greets = (process.env[PROCESS_SLOT_VARIABLE] ?? '0') === '0';
  if (!config.isProduction && greets)
    await printWelcome({
      url,
      seeded: config.seedDemoUsers,
      stripeEmulatorUrl: stripeRuntime.emulatorUrl,
      mailViewer: devMailbox !== null,
    });
}

function listeningPort(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

async function printWelcome({
  url,
  seeded,
  stripeEmulatorUrl,
  mailViewer,
}: {
  url: string;
  seeded: boolean;
  stripeEmulatorUrl?: string;
  mailViewer: boolean;
}): Promise<void> {
  const lines = [
    ``,
    `  Billing service: ${url}`,
    `  GraphQL:         ${url}/graphql (explorer: ${url}/graphiql)`,
  ];
  if (stripeEmulatorUrl)
    lines.push(`  Stripe:          emulated at ${stripeEmulatorUrl} (test card 4242 4242 4242 4242)`);
  if (mailViewer) lines.push(`  Emails:          ${url}/dev/mail (no SMTP_URL: nothing leaves this machine)`);
  const credentials = seeded ? await readDemoCredentials() : null;
  if (credentials) {
    lines.push(
      `  Platform admin:  ${credentials.admin.email} / ${credentials.admin.password}`,
      `  Account owner:   ${credentials.owner.email} / ${credentials.owner.password}`,
    );
    if (credentials.partnerApiKey) lines.push(`  Partner API key: ${credentials.partnerApiKey}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `The billing service failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
