import type { Knex } from 'knex';
import type { Actor } from '../auth/actor';
import { isPlatformWide } from '../auth/authorization';
import { ConflictError, ForbiddenError } from '../errors';
import { Membership, type MembershipRole } from './Membership';

/**
 * Owners are made and unmade by owners only (and by platform admins): an admin, or a partner's API key
 * with accounts:write, manages admins and members but never touches an owner.
 */
export async function assertMayGrant({
  trx,
  actor,
  accountId,
  role,
}: {
  trx?: Knex.Transaction;
  actor: Actor;
  accountId: string;
  role: MembershipRole;
}): Promise<void> {
  if (role !== 'owner' || isPlatformWide(actor)) return;
  if (actor.kind === 'user') {
    const own = await Membership.query(trx).findOne({ accountId, userId: actor.userId });
    if (own?.role === 'owner') return;
  }
  throw new ForbiddenError('Only owners can invite, appoint or remove owners.');
}

/** Refuses a change that would leave the account without an owner. Call it under the account's lock. */
export async function assertAnotherOwner({
  trx,
  accountId,
  membership,
  problem,
}: {
  trx: Knex.Transaction;
  accountId: string;
  membership: Membership;
  problem: string;
}): Promise<void> {
  if (membership.role !== 'owner') return;
  const owners = await Membership.query(trx).where({ accountId, role: 'owner' }).resultSize();
  if (owners <= 1) throw new ConflictError(problem);
}
