import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { withIdempotentAnswer } from '../idempotency/idempotentRequests';
import { getAutoTopUp, updateAutoTopUp } from './configureAutoTopUp';

/**
 * updateAutoTopUp as the API asks for it, safe to retry under the caller's idempotency key: a replay does
 * not set the values again; it answers the settings as they stand now, to a caller who may still set them.
 */
export function requestAutoTopUpUpdate({
  actor,
  idempotencyKey,
  ...input
}: {
  actor: Actor;
  accountId: string;
  enabled: boolean;
  thresholdMilliCredits: number;
  creditPackageId?: string | null;
  creditPackageKey?: string | null;
  idempotencyKey?: string | null;
}) {
  return withIdempotentAnswer({
    actor,
    idempotencyKey,
    operation: 'updateAutoTopUp',
    input,
    authorize: () => authorizeAccount({ actor, accountId: input.accountId, permission: 'billing.manage' }),
    work: () => updateAutoTopUp({ actor, ...input }),
    keep: ({ accountId }) => ({ accountId }),
    replay: async ({ accountId }) =>
      (await getAutoTopUp({ actor, accountId, permission: 'billing.manage' }))!,
  });
}
