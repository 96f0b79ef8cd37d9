import type { Server } from 'node:http';
import { createApp, type AppOptions } from '../../server/app';
import { listenForChanges } from '../../server/db/changeNotifications';
import type { Database } from '../../server/db/knex';
import { createLogger } from '../../server/logger';
import { RATE_LIMITS, type RateLimitRules } from '../../server/rateLimits/rules';

export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough-0123456789';

/**
 * Request limits so high that no test meets them unless it is about limits: the mechanism still runs
 * (every request is counted in Postgres), it just never refuses. Tests of limits pass their own.
 */
export const GENEROUS_RATE_LIMITS = Object.fromEntries(
  Object.keys(RATE_LIMITS).map((name) => [name, { points: 1_000_000, durationSeconds: 60 }]),
) as RateLimitRules;

export interface GraphQLResult<Data = Record<string, unknown>> {
  status: number;
  data?: Data | null;
  errors?: Array<{
    message: string;
    path?: string[];
    extensions: { code: string } & Record<string, unknown>;
  }>;
  headers: Headers;
}

export interface Caller {
  cookie?: string;
  apiKey?: string;
  authorization?: string;
}

export interface TestApp {
  url: string;
  graphql<Data = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): Promise<GraphQLResult<Data>>;
  close(): Promise<void>;
}

/** The real Express app on 127.0.0.1 and a free port, spoken to over HTTP like any client. */
export async function startTestApp({
  database,
  ...options
}: { database: Database } & Partial<AppOptions>): Promise<TestApp> {
  // As in the real process: caches hear of changes made by any connection (and by other test processes).
  const stopListening = await listenForChanges({
    connectionString: (database.client.config.connection as { connectionString: string }).connectionString,
    logger: createLogger({ level: 'silent' }),
  });
  const app = await createApp({
    database,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    production: false,
    cookieOptions: { secret: TEST_SESSION_SECRET, secure: false },
    rateLimitRules: GENEROUS_RATE_LIMITS,
    ...options,
  });
  const server: Server = app.express.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    url,
    async graphql(query, variables = {}, caller = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (caller.cookie) headers.cookie = caller.cookie;
      if (caller.apiKey) headers.authorization = `Bearer ${caller.apiKey}`;
      if (caller.authorization) headers.authorization = caller.authorization;
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: GraphQLResult['errors'] };
      return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.stop();
      await stopListening();
    },
  };
}
