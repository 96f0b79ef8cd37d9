import express, { type Express, type RequestHandler } from 'express';
import { expressMiddleware } from '@as-integrations/express4';
import type { SessionCookieOptions } from './auth/sessionCookie';
import type { Database } from './db/knex';
import { createApolloServer } from './graphql/apolloServer';
import { createGraphQLExecutor } from './graphql/executeGraphQL';
import { createHttpContextFactory } from './graphql/httpContext';
import { errorResponder, sendError } from './http/errorResponses';
import { healthRoutes } from './http/health';
import { requestLogging } from './http/requestLogging';
import { httpMetrics } from './observability/httpMetrics';
import { registerDatabaseMetrics } from './observability/metrics';
import { metricsRoute } from './observability/metricsRoute';
import { clientAddressLimit } from './http/rateLimiting';
import { securityHeaders, type SecurityHeaderOptions } from './http/securityHeaders';
import type { Logger } from './logger';
import { createRateLimits } from './rateLimits/rateLimiter';
import type { RateLimitRules } from './rateLimits/rules';
import type { WebHandlerFactory } from './web/webHandler';
import { stripeWebhookRoute, type StripeWebhookReceiver } from './webhooks/stripeWebhookRoute';

export interface AppOptions {
  database: Database;
  logger: Logger;
  production: boolean;
  cookieOptions: SessionCookieOptions;
  stripeWebhookReceiver?: StripeWebhookReceiver;
  /** Security headers (server/http/securityHeaders.ts); by default for plain http, without Vite. */
  securityHeaders?: Partial<SecurityHeaderOptions>;
  /**
   * Which proxies in front of the service to believe about the client's address and protocol
   * (X-Forwarded-For, X-Forwarded-Proto): Express's `trust proxy`. False (the default) believes none.
   */
  trustProxy?: TrustProxy;
  /** The bearer token /metrics asks for; unset, /metrics is open (development and tests). */
  metricsToken?: string;
  /** Request limits (server/rateLimits/rules.ts); production defaults unless given. */
  rateLimitRules?: RateLimitRules;
  /**
   * The web app (server/web/webHandler.ts); everything the API does not claim goes to it. It is given
   * the API to execute in-process, with the session of each request.
   */
  webHandler?: WebHandlerFactory;
}

/** A number of proxy hops, or the proxies' addresses and subnets (as TRUST_PROXY gives them). */
export type TrustProxy = false | number | string[];

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
  securityHeaders: securityHeaderOptions = {},
  trustProxy = false,
  rateLimitRules,
  webHandler,
  metricsToken,
}: AppOptions): Promise<App> {
  const apollo = createApolloServer({ logger, production });
  // Counted in Postgres, so every process of the service shares them.
  const rateLimits = createRateLimits({ database, rules: rateLimitRules });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // Express would hash every response body into an ETag; API answers are never revalidated, so that is
  // CPU spent on the partners' hot path for nothing.
  app.set('etag', false);
  app.set('trust proxy', trustProxy);
  app.use(requestLogging(logger));
  app.use(httpMetrics());
  registerDatabaseMetrics(database);
  app.use(metricsRoute({ token: metricsToken }));
  app.use(securityHeaders({ https: false, viteClient: false, formTargets: [], ...securityHeaderOptions }));
  app.use(healthRoutes({ database }));
  app.use(stripeWebhookRoute({ receiver: stripeWebhookReceiver }));
  // A browser opening the API's address in development is shown the web app's explorer (web/app/routes/graphiql.tsx).
  if (!production && webHandler) app.get('/graphql', explorerForBrowsers);
  app.use(
    '/graphql',
    clientAddressLimit({ rateLimits, answer: 'graphql' }),
    express.json({ limit: '2mb' }),
    expressMiddleware(apollo, {
      context: createHttpContextFactory({ logger, cookieOptions, rateLimits }),
    }),
  );
  const web = webHandler
    ? await webHandler({
        executeGraphQL: createGraphQLExecutor({ apollo, logger, cookieOptions, rateLimits }),
        pageLimit: clientAddressLimit({ rateLimits, answer: 'page' }),
      })
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

/** A page visit (HTML accepted, no operation in the address) goes to /graphiql; API calls go on. */
const explorerForBrowsers: RequestHandler = (req, res, next) => {
  if (req.headers.accept?.includes('text/html') && req.query.query === undefined)
    res.redirect(302, '/graphiql');
  else next();
};
