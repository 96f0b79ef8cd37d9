import type { Knex } from 'knex';
import { now } from '../clock';
import { loadEntitlementProfile } from '../entitlements/entitlementProfile';
import { evaluateEntitlement } from '../entitlements/evaluate';
import { countResources, SEATS_FEATURE } from '../entitlements/resourceCounts';
import { LimitExceededError } from '../errors';
import { AccountInvitation } from './AccountInvitation';

/**
 * Refuses one more person in the account when its seats are all taken: the paid seats of a per-seat
 * plan, else the plan's LIMIT on `seats` (with its buffer, as partners' registrations are admitted), else
 * nothing limits them. Seats are taken by members, by seats partners registered, and by open invitations,
 * so that every invitation sent can be accepted. `excludeInvitationId` is the invitation the newcomer
 * holds (it already counts). Call it under the account's lock.
 */
export async function assertSeatAvailable({
  trx,
  accountId,
  excludeInvitationId,
}: {
  trx: Knex.Transaction;
  accountId: string;
  excludeInvitationId?: string;
}): Promise<void> {
  const profile = await loadEntitlementProfile({ trx, accountId });
  const check =
    profile.seatsBought === null
      ? await evaluateEntitlement({ trx, accountId, profile, featureKey: SEATS_FEATURE })
      : null;
  const limit = profile.seatsBought ?? (check?.kind === 'limit' ? check.hardLimit : null);
  if (limit === null) return;
  const taken =
    (await countResources({ trx, accountId, featureKey: SEATS_FEATURE })) +
    (await openInvitations(trx, accountId)
      .modify((query) => {
        if (excludeInvitationId) query.whereNot('id', excludeInvitationId);
      })
      .resultSize());
  if (taken < limit) return;
  const message =
    profile.seatsBought !== null
      ? `All ${limit} paid seats are taken; add seats on the billing page or remove a member.`
      : `The ${profile.plan.name} plan allows ${limit} seats and all are taken; upgrade on the billing page or remove a member.`;
  throw new LimitExceededError(SEATS_FEATURE, limit, taken, 1, message);
}

/** Invitations that may still be accepted. */
export function openInvitations(trx: Knex.Transaction | undefined, accountId: string) {
  return AccountInvitation.query(trx)
    .where({ accountId })
    .whereNull('acceptedAt')
    .whereNull('revokedAt')
    .where('expiresAt', '>', now());
}
