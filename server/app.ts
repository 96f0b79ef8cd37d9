import express, { type Express } from 'express';
import { expressMiddleware } from '@as-integrations/express4';
import type { SessionCookieOptions } from './auth/sessionCookie';
import type { Database } from './db/knex';
import { createApolloServer } from './graphql/apolloServer';
import { createGraphQLExecutor } from './graphql/executeGraphQL';
import { createHttpContextFactory } from './graphql/httpContext';
import { errorResponder, sendError } from './http/errorResponses';
import { healthRoutes } from './http/health';
import { requestLogging } from './http/requestLogging';
import type { Logger } from './logger';
import type { WebHandlerFactory } from './web/webHandler';
import { stripeWebhookRoute, type StripeWebhookReceiver } from './webhooks/stripeWebhookRoute';

export interface AppOptions {
  database: Database;
  logger: Logger;
  production: boolean;
  cookieOptions: SessionCookieOptions;
  stripeWebhookReceiver?: StripeWebhookReceiver;
  /**
   * The web app (server/web/webHandler.ts); everything the API does not claim goes to it. It is given
   * the API to execute in-process, with the session of each request.
   */
  webHandler?: WebHandlerFactory;
}

export interface App {
  express: Express;
  stop(): Promise<void>;
}

/**
 * One Express app serves everything: /graphql, the Stripe webhook route, health checks and the web
 * app. Routes that must see the raw body are mounted before any body parser.
 */
export async function createApp({
  database,
  logger,
  production,
  cookieOptions,
  stripeWebhookReceiver,
  webHandler,
}: AppOptions): Promise<App> {
  const apollo = createApolloServer({ logger, production });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // Express would hash every response body into an ETag; API answers are never revalidated, so that is
  // CPU spent on the partners' hot path for nothing.
  app.set('etag', false);
  app.use(requestLogging(logger));
  app.use(healthRoutes({ database }));
  app.use(stripeWebhookRoute({ receiver: stripeWebhookReceiver }));
  app.use(
    '/graphql',
    express.json({ limit: '2mb' }),
    expressMiddleware(apollo, { context: createHttpContextFactory({ logger, cookieOptions }) }),
  );
  const web = webHandler
    ? await webHandler({ executeGraphQL: createGraphQLExecutor({ apollo, logger, cookieOptions }) })
    : undefined;
  if (web) app.use(web.handle);
  app.use((_req, res) => sendError(res, 'NOT_FOUND', 'No such route.'));
  app.use(errorResponder(logger));

  return {
    express: app,
    stop: async () => {
      await web?.close();
      await apollo.stop();
    },
  };
}
