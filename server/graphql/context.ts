import type { Logger } from '../logger';
import type { Actor } from '../auth/actor';
import type { OperationLimit } from '../rateLimits/callerLimits';
import type { Loaders } from './loaders';

/** What every resolver receives. Resolvers pass `actor` to services, which decide what it may do. */
export interface GraphQLContext {
  actor: Actor;
  requestId: string;
  logger: Logger;
  loaders: Loaders;
  /** Sets or clears the caller's session cookie; over HTTP it writes the response header. */
  sessionCookie: SessionCookieControl;
  /**
   * Counts this operation against its own stricter limit (sign-in, sign-up and password reset per
   * client address, the billing portal per caller); throws RATE_LIMITED when it is used up.
   */
  throttle(limit: OperationLimit): Promise<void>;
}

export interface SessionCookieControl {
  issue(session: { token: string; expiresAt: Date }): void;
  clear(): void;
}
