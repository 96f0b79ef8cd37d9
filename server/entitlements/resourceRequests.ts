import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { withIdempotentAnswer } from '../idempotency/idempotentRequests';
import { registerResource, releaseResource, resourceCheck } from './resources';

interface ResourceRequest {
  actor: Actor;
  accountId?: string | null;
  externalId?: string | null;
  featureKey: string;
  resourceId: string;
  scopeKey?: string | null;
  idempotencyKey?: string | null;
}

/*
 * Keyed by the partner's own resource id, registering and releasing are idempotent by nature. Under an
 * idempotency key a retry also does not act again: a register retried after the resource was released
 * does not bring it back. A replay answers what the first call did, with the entitlement as it stands now.
 */

export function requestResourceRegistration({ actor, idempotencyKey, ...input }: ResourceRequest) {
  return withIdempotentAnswer({
    actor,
    idempotencyKey,
    operation: 'registerResource',
    input,
    authorize: () => authorizeResources({ actor, ...input }),
    work: () => registerResource({ actor, ...input }),
    keep: ({ created }) => ({ created }),
    replay: async ({ created }) => ({ created, check: await resourceCheck({ actor, ...input }) }),
  });
}

export async function requestResourceRelease({ actor, idempotencyKey, ...input }: ResourceRequest) {
  const { check } = await withIdempotentAnswer({
    actor,
    idempotencyKey,
    operation: 'releaseResource',
    input,
    authorize: () => authorizeResources({ actor, ...input }),
    work: () => releaseResource({ actor, ...input }),
    keep: ({ released }) => ({ released }),
    replay: async ({ released }) => ({ released, check: await resourceCheck({ actor, ...input }) }),
  });
  return check;
}

/** What registering and releasing need, first calls and replays alike. */
function authorizeResources({ actor, accountId, externalId }: Omit<ResourceRequest, 'idempotencyKey'>) {
  return authorizeAccount({ actor, accountId, externalId, permission: 'entitlements.manage' });
}
