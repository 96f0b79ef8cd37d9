import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import { expressMiddleware } from '@as-integrations/express4';
import { pinoHttp } from 'pino-http';
import type { SessionCookieOptions } from './auth/sessionCookie';
import type { Database } from './db/knex';
import { createApolloServer } from './graphql/apolloServer';
import { createHttpContextFactory } from './graphql/httpContext';
import { errorResponder, sendError } from './http/errorResponses';
import { healthRoutes } from './http/health';
import type { Logger } from './logger';
import { stripeWebhookRoute, type StripeWebhookReceiver } from './webhooks/stripeWebhookRoute';

export interface AppOptions {
  database: Database;
  logger: Logger;
  production: boolean;
  cookieOptions: SessionCookieOptions;
  stripeWebhookReceiver?: StripeWebhookReceiver;
  /** The web app's handler; everything the API does not claim goes to it. */
  webHandler?: RequestHandler;
}

export interface App {
  express: Express;
  stop(): Promise<void>;
}

/**
 * One Express app serves everything: /graphql, the Stripe webhook route, health checks and (later)
 * the web app. Routes that must see the raw body are mounted before any body parser.
 */
export async function createApp({ database, logger, production, cookieOptions, stripeWebhookReceiver, webHandler }: AppOptions): Promise<App> {
  const apollo = createApolloServer({ logger, production });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id']) || randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(healthRoutes({ database }));
  app.use(stripeWebhookRoute({ receiver: stripeWebhookReceiver }));
  app.use(
    '/graphql',
    express.json({ limit: '2mb' }),
    expressMiddleware(apollo, { context: createHttpContextFactory({ logger, cookieOptions }) }),
  );
  if (webHandler) app.use(webHandler);
  app.use((_req, res) => sendError(res, 'NOT_FOUND', 'No such route.'));
  app.use(errorResponder(logger));

  return { express: app, stop: () => apollo.stop() };
}
