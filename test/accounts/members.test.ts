import {
  changeMemberRole,
  leaveAccount,
  listAccountMembers,
  removeMember,
} from '../../server/accounts/members';
import type { Actor, UserActor } from '../../server/auth/actor';
import type { User } from '../../server/auth/User';
import { addMember, createAccount, createPartnerKey, createUser, unique } from '../factories';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

const as = (user: User): UserActor => ({
  kind: 'user',
  userId: user.id,
  sessionId: null,
  isPlatformAdmin: false,
});

/** An account with one owner, one admin and one member. */
async function team() {
  const account = await createAccount({ name: unique('Team') });
  const [owner, admin, member] = await Promise.all([createUser(), createUser(), createUser()]);
  await addMember({ accountId: account.id, user: owner, role: 'owner' });
  await addMember({ accountId: account.id, user: admin, role: 'admin' });
  await addMember({ accountId: account.id, user: member, role: 'member' });
  return { account, owner, admin, member };
}

const errorOf = async (work: Promise<unknown>) => {
  try {
    await work;
  } catch (error) {
    return error as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected it to fail');
};

const roles = async (accountId: string) =>
  Object.fromEntries(
    (await db.knex('memberships').where({ accountId }).select('userId', 'role')).map((row) => [
      row.userId,
      row.role,
    ]),
  );
const audited = (accountId: string, action: string) =>
  db.knex('auditLog').where({ accountId, action }).orderBy('id');

describe('changing roles', () => {
  it('lets owners and admins change members and admins, audited', async () => {
    const { account, owner, admin, member } = await team();
    const promoted = await changeMemberRole({
      actor: as(admin),
      accountId: account.id,
      userId: member.id,
      role: 'admin',
    });
    expect(promoted.role).toBe('admin');
    await changeMemberRole({ actor: as(owner), accountId: account.id, userId: admin.id, role: 'member' });
    expect(await roles(account.id)).toEqual({
      [owner.id]: 'owner',
      [admin.id]: 'member',
      [member.id]: 'admin',
    });
    expect(await audited(account.id, 'member.role_changed')).toMatchObject([
      { actorId: admin.id, targetId: member.id, details: { from: 'member', to: 'admin' } },
      { actorId: owner.id, targetId: admin.id, details: { from: 'admin', to: 'member' } },
    ]);
  });

  it('lets only owners make or unmake owners, and keeps the last owner', async () => {
    const { account, owner, admin, member } = await team();
    expect(
      await errorOf(
        changeMemberRole({ actor: as(admin), accountId: account.id, userId: member.id, role: 'owner' }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN', message: 'Only owners can invite, appoint or remove owners.' });
    expect(
      (
        await errorOf(
          changeMemberRole({ actor: as(admin), accountId: account.id, userId: owner.id, role: 'member' }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(
      await errorOf(
        changeMemberRole({ actor: as(owner), accountId: account.id, userId: owner.id, role: 'admin' }),
      ),
    ).toMatchObject({
      code: 'CONFLICT',
      message: 'The account’s last owner stays an owner; make someone else an owner first.',
    });
    await changeMemberRole({ actor: as(owner), accountId: account.id, userId: admin.id, role: 'owner' });
    await changeMemberRole({ actor: as(admin), accountId: account.id, userId: owner.id, role: 'member' });
    expect(await roles(account.id)).toEqual({
      [owner.id]: 'member',
      [admin.id]: 'owner',
      [member.id]: 'member',
    });
  });

  it('refuses members, strangers, bad roles and unknown people, changing nothing', async () => {
    const { account, owner, admin, member } = await team();
    const before = await roles(account.id);
    expect(
      (
        await errorOf(
          changeMemberRole({ actor: as(member), accountId: account.id, userId: admin.id, role: 'member' }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    const stranger = await createUser();
    expect(
      (
        await errorOf(
          changeMemberRole({ actor: as(stranger), accountId: account.id, userId: admin.id, role: 'member' }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      await errorOf(
        changeMemberRole({
          actor: as(owner),
          accountId: account.id,
          userId: admin.id,
          role: 'king' as never,
        }),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', details: { fieldErrors: { role: 'is not a role' } } });
    expect(
      await errorOf(
        changeMemberRole({ actor: as(owner), accountId: account.id, userId: stranger.id, role: 'admin' }),
      ),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { fieldErrors: { userId: 'is not a member of this account' } },
    });
    expect(
      (await errorOf(removeMember({ actor: as(owner), accountId: account.id, userId: stranger.id }))).code,
    ).toBe('BAD_USER_INPUT');
    expect(await roles(account.id)).toEqual(before);
  });
});

describe('removing members', () => {
  it('lets owners and admins remove members and admins; only owners remove owners; never the last one', async () => {
    const { account, owner, admin, member } = await team();
    await removeMember({ actor: as(admin), accountId: account.id, userId: member.id });
    expect(await audited(account.id, 'member.removed')).toMatchObject([
      { actorId: admin.id, targetId: member.id },
    ]);
    expect(
      (await errorOf(removeMember({ actor: as(admin), accountId: account.id, userId: owner.id }))).code,
    ).toBe('FORBIDDEN');
    expect(
      await errorOf(removeMember({ actor: as(owner), accountId: account.id, userId: owner.id })),
    ).toMatchObject({
      code: 'CONFLICT',
      message: 'The account’s last owner cannot be removed; make someone else an owner first.',
    });
    const secondOwner = await createUser();
    await addMember({ accountId: account.id, user: secondOwner, role: 'owner' });
    await removeMember({ actor: as(owner), accountId: account.id, userId: secondOwner.id });
    expect(await roles(account.id)).toEqual({ [owner.id]: 'owner', [admin.id]: 'admin' });
  });

  it('refuses members and keys without accounts:write; a key with it removes non-owners', async () => {
    const { account, owner, admin, member } = await team();
    expect(
      (await errorOf(removeMember({ actor: as(member), accountId: account.id, userId: admin.id }))).code,
    ).toBe('FORBIDDEN');
    const key = await createPartnerKey({ scopes: ['accounts:write'], accountId: account.id });
    const keyActor = (scopes: string[]): Actor => ({
      kind: 'apiKey',
      apiKeyId: key.apiKey.id,
      scopes: new Set(scopes) as never,
      accountId: account.id,
    });
    expect(
      (
        await errorOf(
          removeMember({ actor: keyActor(['accounts:read']), accountId: account.id, userId: admin.id }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(
      (
        await errorOf(
          removeMember({ actor: keyActor(['accounts:write']), accountId: account.id, userId: owner.id }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    await removeMember({ actor: keyActor(['accounts:write']), accountId: account.id, userId: admin.id });
    expect(Object.keys(await roles(account.id)).sort()).toEqual([owner.id, member.id].sort());
  });
});

describe('leaving', () => {
  it('lets any member leave, but not the last owner', async () => {
    const { account, owner, admin, member } = await team();
    await leaveAccount({ actor: as(member), accountId: account.id });
    await leaveAccount({ actor: as(admin), accountId: account.id });
    expect(await audited(account.id, 'member.left')).toHaveLength(2);
    expect(await errorOf(leaveAccount({ actor: as(owner), accountId: account.id }))).toMatchObject({
      code: 'CONFLICT',
      message: 'The account’s last owner cannot leave; make someone else an owner first.',
    });
    expect(
      (await listAccountMembers({ actor: as(owner), accountId: account.id })).map((m) => m.userId),
    ).toEqual([owner.id]);
    expect((await errorOf(leaveAccount({ actor: as(member), accountId: account.id }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('lets an owner leave once another owner exists; keys cannot leave', async () => {
    const { account, owner, admin } = await team();
    await changeMemberRole({ actor: as(owner), accountId: account.id, userId: admin.id, role: 'owner' });
    await leaveAccount({ actor: as(owner), accountId: account.id });
    expect((await roles(account.id))[admin.id]).toBe('owner');
    const key = await createPartnerKey({ scopes: ['accounts:write'], accountId: account.id });
    expect(
      (
        await errorOf(
          leaveAccount({
            actor: {
              kind: 'apiKey',
              apiKeyId: key.apiKey.id,
              scopes: new Set(['accounts:write']),
              accountId: account.id,
            },
            accountId: account.id,
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
  });

  it('keeps one owner when the last two owners leave at the same moment', async () => {
    const { account, owner, admin } = await team();
    await changeMemberRole({ actor: as(owner), accountId: account.id, userId: admin.id, role: 'owner' });
    const outcomes = await Promise.allSettled([
      leaveAccount({ actor: as(owner), accountId: account.id }),
      leaveAccount({ actor: as(admin), accountId: account.id }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(Object.values(await roles(account.id)).filter((role) => role === 'owner')).toHaveLength(1);
  });
});
