import type { ApiScope } from './scopes';

/**
 * Who is asking. Every service that reads or changes account data takes an actor and checks it
 * (server/auth/authorization.ts); the GraphQL layer only works out who the actor is.
 */
export type Actor = AnonymousActor | UserActor | ApiKeyActor | SystemActor;

export interface AnonymousActor {
  kind: 'anonymous';
}

export interface UserActor {
  kind: 'user';
  userId: string;
  sessionId: string | null;
  isPlatformAdmin: boolean;
}

export interface ApiKeyActor {
  kind: 'apiKey';
  apiKeyId: string;
  scopes: ReadonlySet<ApiScope>;
  /** null: a platform-wide partner key that may act for every account. */
  accountId: string | null;
  /** Origins this key may send customers back to, beside the platform's (server/returnUrls.ts). */
  returnOrigins?: readonly string[];
}

/** Jobs and webhook handlers: trusted code acting on the platform's behalf. */
export interface SystemActor {
  kind: 'system';
  reason: string;
}

export const anonymous: AnonymousActor = { kind: 'anonymous' };

export function systemActor(reason: string): SystemActor {
  return { kind: 'system', reason };
}

/** How the actor is written into the audit log and the idempotency table. */
export function describeActor(actor: Actor): {
  actorType: 'user' | 'api_key' | 'system';
  actorId: string | null;
} {
  switch (actor.kind) {
    case 'user':
      return { actorType: 'user', actorId: actor.userId };
    case 'apiKey':
      return { actorType: 'api_key', actorId: actor.apiKeyId };
    case 'system':
      return { actorType: 'system', actorId: actor.reason };
    case 'anonymous':
      return { actorType: 'system', actorId: null };
  }
}
