import type { Server } from 'node:http';
import { join } from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import type { DevMailboxView, WebLoadContext } from '../../web/app/loadContext';
import type { ExecuteGraphQL } from '../graphql/executeGraphQL';
import { cspNonceOf } from '../http/securityHeaders';
import { packageRoot } from '../paths';
import { withoutStopHandlersOf } from '../shutdown';
import { originCheck } from './originCheck';

/** The module `npm run build` writes to build/server/index.js (or Vite compiles on request). */
type RemixServerBuild = Record<string, unknown>;

/*
 * Remix's Express adapter, typed here rather than through its declarations: those declare NODE_ENV a
 * required variable for the whole program, which the server's configuration code must not assume.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const { createRequestHandler } = require('@remix-run/express') as {
  createRequestHandler(options: {
    build: RemixServerBuild | (() => Promise<RemixServerBuild>);
    getLoadContext: (req: express.Request, res: express.Response) => WebLoadContext;
    mode: 'development' | 'production';
  }): RequestHandler;
};

export const WEB_BUILD_DIRECTORY = join(packageRoot, 'build');

export interface WebHandler {
  handle: RequestHandler;
  close(): Promise<void>;
}

export type WebHandlerFactory = (api: {
  executeGraphQL: ExecuteGraphQL;
  /** Counts page requests (not static files) per client address; answers 429 beyond the limit. */
  pageLimit: RequestHandler;
}) => Promise<WebHandler>;

export interface WebAppOptions {
  /**
   * `vite`: compile on request (development; no build step, edits show at once).
   * `build`: serve the output of `npm run build` (production, the compiled server, the browser tests).
   */
  source: 'vite' | 'build';
  production: boolean;
  /** The HTTP server Vite attaches its hot-reload socket to; without one, hot reload is off. */
  hotReloadServer?: Server;
  /** Where "Contact sales" leads (SALES_CONTACT, or the sending address). */
  salesContactUrl: string;
  /** Development without SMTP: what the mail viewer at /dev/mail shows. */
  devMailbox?: DevMailboxView | null;
  /** Where Vite keeps its dependency cache (one per process when several run at once, as in tests). */
  viteCacheDirectory?: string;
}

/** The Remix web app as an Express handler, mounted by createApp behind the API's own routes. */
export function webApp(options: WebAppOptions): WebHandlerFactory {
  return async ({ executeGraphQL, pageLimit }) => {
    const router = Router();
    // Each loader and action gets the API bound to the request's own session cookie (renewed on its response).
    const getLoadContext = (req: express.Request, res: express.Response): WebLoadContext => ({
      cspNonce: cspNonceOf(res),
      production: options.production,
      salesContactUrl: options.salesContactUrl,
      devMailbox: options.devMailbox ?? null,
      graphql: (document, variables) => executeGraphQL(document, variables, { request: req, response: res }),
    });

    if (options.source === 'vite') {
      const vite = await startVite(options);
      router.use(vite.middlewares);
      router.use(pageLimit, originCheck({ production: options.production }));
      router.all(
        '*',
        createRequestHandler({
          build: () => vite.ssrLoadModule('virtual:remix/server-build'),
          getLoadContext,
          mode: 'development',
        }),
      );
      return { handle: router, close: () => vite.close() };
    }

    // The server bundle is CommonJS (web/vite.config.mts), so the CommonJS server can require it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
    const build = require(join(WEB_BUILD_DIRECTORY, 'server/index.js')) as RemixServerBuild;
    router.use(
      '/assets',
      express.static(join(WEB_BUILD_DIRECTORY, 'client/assets'), { immutable: true, maxAge: '1y' }),
    );
    router.use(express.static(join(WEB_BUILD_DIRECTORY, 'client'), { maxAge: '1h', index: false }));
    router.use(pageLimit, originCheck({ production: options.production }));
    router.all(
      '*',
      createRequestHandler({
        build,
        getLoadContext,
        mode: options.production ? 'production' : 'development',
      }),
    );
    return { handle: router, close: async () => undefined };
  };
}

async function startVite({ hotReloadServer, viteCacheDirectory }: WebAppOptions) {
  // Vite is ESM-only and a development tool: loaded on demand, never in production.
  const { createLogger, createServer } = await import('vite');
  // Vite warns, on every start, that it cannot analyse the dynamic imports inside Remix's own prebundled
  // client; nothing can be done about them here, and they would bury the warnings that matter.
  const viteLogger = createLogger('warn');
  const warn = viteLogger.warn.bind(viteLogger);
  viteLogger.warn = (message, options) => {
    if (message.includes('cannot be analyzed by Vite') && message.includes('/deps/')) return;
    warn(message, options);
  };
  // Vite, and the second Vite server Remix's plugin starts, exit the process on SIGTERM and when standard
  // input ends; the process's own shutdown closes Vite once requests are done.
  return withoutStopHandlersOf(() =>
    createServer({
      configFile: join(packageRoot, 'web/vite.config.mts'),
      cacheDir: viteCacheDirectory ?? join(packageRoot, '.cache/vite'),
      customLogger: viteLogger,
      appType: 'custom',
      server: { middlewareMode: true, hmr: hotReloadServer ? { server: hotReloadServer } : false },
    }),
  );
}
