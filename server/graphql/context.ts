import type { Logger } from '../logger';
import type { Actor } from '../auth/actor';
import type { Loaders } from './loaders';

/** What every resolver receives. Resolvers pass `actor` to services, which decide what it may do. */
export interface GraphQLContext {
  actor: Actor;
  requestId: string;
  logger: Logger;
  loaders: Loaders;
  /** Sets or clears the caller's session cookie; over HTTP it writes the response header. */
  sessionCookie: SessionCookieControl;
}

export interface SessionCookieControl {
  issue(session: { token: string; expiresAt: Date }): void;
  clear(): void;
}
