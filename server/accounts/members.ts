import type { Knex } from 'knex';
import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import type { Actor } from '../auth/actor';
import { authorizeAccount, requireUser } from '../auth/authorization';
import { NotFoundError, ValidationError } from '../errors';
import { parseInput } from '../validation';
import { withAccountLock } from './accountLock';
import { Membership, MEMBERSHIP_ROLES, type MembershipRole } from './Membership';
import { assertAnotherOwner, assertMayGrant } from './memberRoles';

/** The people with access to an account and their roles, owners first. Any member may see them. */
export async function listAccountMembers({
  actor,
  accountId,
}: {
  actor: Actor;
  accountId: string;
}): Promise<Membership[]> {
  await authorizeAccount({ actor, accountId, permission: 'account.read' });
  return Membership.query()
    .where({ accountId })
    .orderByRaw(`case role when 'owner' then 0 when 'admin' then 1 else 2 end`)
    .orderBy('createdAt');
}

const memberInput = z.object({
  accountId: z.string().uuid('is not an account id'),
  userId: z.string().uuid('is not a user id'),
});

/**
 * Gives a member another role (owners and admins; only owners make or unmake owners). The last owner
 * keeps the role: another owner must be appointed first.
 */
export async function changeMemberRole({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof memberInput> & { role: MembershipRole }): Promise<Membership> {
  const { accountId, userId, role } = parseInput(
    memberInput.extend({ role: z.enum(MEMBERSHIP_ROLES, 'is not a role') }),
    input,
  );
  await authorizeAccount({ actor, accountId, permission: 'account.manage' });
  return withAccountLock(accountId, async ({ trx }) => {
    const membership = await findMembership({ trx, accountId, userId });
    if (membership.role === role) return membership;
    await assertMayGrant({ trx, actor, accountId, role: membership.role });
    await assertMayGrant({ trx, actor, accountId, role });
    await assertAnotherOwner({
      trx,
      accountId,
      membership,
      problem: 'The account’s last owner stays an owner; make someone else an owner first.',
    });
    const changed = await Membership.query(trx).patchAndFetchById(membership.id, { role });
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'member.role_changed',
      target: { type: 'user', id: userId },
      details: { from: membership.role, to: role },
    });
    return changed;
  });
}

/** Takes a member out of the account (owners and admins; only owners remove owners; never the last owner). */
export async function removeMember({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof memberInput>): Promise<void> {
  const { accountId, userId } = parseInput(memberInput, input);
  await authorizeAccount({ actor, accountId, permission: 'account.manage' });
  await withAccountLock(accountId, async ({ trx }) => {
    const membership = await findMembership({ trx, accountId, userId });
    await assertMayGrant({ trx, actor, accountId, role: membership.role });
    await assertAnotherOwner({
      trx,
      accountId,
      membership,
      problem: 'The account’s last owner cannot be removed; make someone else an owner first.',
    });
    await Membership.query(trx).deleteById(membership.id);
    await recordAudit({
      trx,
      actor,
      accountId,
      action: 'member.removed',
      target: { type: 'user', id: userId },
      details: { role: membership.role },
    });
  });
}

/** The signed-in person leaves the account, whatever their role, unless they are its last owner. */
export async function leaveAccount({ actor, accountId }: { actor: Actor; accountId: string }): Promise<void> {
  requireUser(actor);
  const id = parseInput(z.string().uuid('is not an account id'), accountId);
  await authorizeAccount({ actor, accountId: id, permission: 'account.read' });
  await withAccountLock(id, async ({ trx }) => {
    // Only a platform admin gets here without being a member.
    const membership = await Membership.query(trx)
      .findOne({ accountId: id, userId: actor.userId })
      .forUpdate();
    if (!membership) throw new NotFoundError('Member');
    await assertAnotherOwner({
      trx,
      accountId: id,
      membership,
      problem: 'The account’s last owner cannot leave; make someone else an owner first.',
    });
    await Membership.query(trx).deleteById(membership.id);
    await recordAudit({
      trx,
      actor,
      accountId: id,
      action: 'member.left',
      target: { type: 'user', id: actor.userId },
      details: { role: membership.role },
    });
  });
}

async function findMembership({
  trx,
  accountId,
  userId,
}: {
  trx: Knex.Transaction;
  accountId: string;
  userId: string;
}): Promise<Membership> {
  const membership = await Membership.query(trx).findOne({ accountId, userId }).forUpdate();
  if (!membership) throw ValidationError.forField('userId', 'is not a member of this account');
  return membership;
}
