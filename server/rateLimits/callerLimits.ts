import type { Actor } from '../auth/actor';
import type { RateLimits } from './rateLimiter';

/** The stricter limits an operation asks for itself (see GraphQLContext.throttle). */
export type OperationLimit = 'signIn' | 'signUp' | 'passwordReset' | 'billingPortal';

/** Limits counted per client address: what a visitor does before anyone knows who they are. */
const PER_CLIENT_ADDRESS: ReadonlySet<OperationLimit> = new Set(['signIn', 'signUp', 'passwordReset']);

/**
 * Counts one API operation against its caller's general limit: per API key, or per signed-in user.
 * Visitors are counted per client address by the HTTP layer instead (server/http/rateLimiting.ts).
 */
export async function consumeCallerLimit({
  rateLimits,
  actor,
}: {
  rateLimits: RateLimits;
  actor: Actor;
}): Promise<void> {
  if (actor.kind === 'apiKey') await rateLimits.consume('apiKey', actor.apiKeyId);
  else if (actor.kind === 'user') await rateLimits.consume('user', actor.userId);
}

/**
 * The stricter limit of one operation, keyed by who asks: sign-in, sign-up and password reset by the
 * client's address (the visitor is anonymous), the billing portal by the user or API key.
 */
export function operationThrottle({
  rateLimits,
  actor,
  clientAddress,
}: {
  rateLimits: RateLimits;
  actor: Actor;
  clientAddress: string;
}): (limit: OperationLimit) => Promise<void> {
  return (limit) => rateLimits.consume(limit, keyOf({ limit, actor, clientAddress }));
}

function keyOf({
  limit,
  actor,
  clientAddress,
}: {
  limit: OperationLimit;
  actor: Actor;
  clientAddress: string;
}): string {
  if (PER_CLIENT_ADDRESS.has(limit)) return clientAddress;
  if (actor.kind === 'user') return `user:${actor.userId}`;
  if (actor.kind === 'apiKey') return `apiKey:${actor.apiKeyId}`;
  return clientAddress;
}
