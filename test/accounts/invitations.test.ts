import { acceptInvitation } from '../../server/accounts/invitationAcceptance';
import {
  inviteMember,
  listInvitations,
  previewInvitation,
  revokeInvitation,
} from '../../server/accounts/invitations';
import type { Actor, UserActor } from '../../server/auth/actor';
import { anonymous } from '../../server/auth/actor';
import { ManualClock, useClock } from '../../server/clock';
import type { User } from '../../server/auth/User';
import { addMember, createAccount, createPartnerKey, createPlan, createUser, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { deliverOutbox, type SentEmail } from '../support/mailbox';

const db = useTestDatabase();

const as = (user: User): UserActor => ({
  kind: 'user',
  userId: user.id,
  sessionId: null,
  isPlatformAdmin: false,
});

async function accountWith(role: 'owner' | 'admin' | 'member' = 'owner') {
  const account = await createAccount({ name: unique('Acme') });
  const user = await createUser({ name: 'Ada Owner' });
  await addMember({ accountId: account.id, user, role });
  return { account, user, actor: as(user) };
}

/** Sends the outbox and returns the token of the invitation link sent to `email`. */
async function tokenSentTo(email: string): Promise<string> {
  const sent: SentEmail[] = await deliverOutbox();
  const mail = sent.filter((message) => message.to === email).at(-1);
  const link = mail?.text.match(/https?:\/\/\S+\/invitations\/(\S+)/);
  if (!link) throw new Error(`no invitation link to ${email} in ${JSON.stringify(sent)}`);
  return link[1]!;
}

const errorOf = async (work: Promise<unknown>) => {
  try {
    await work;
  } catch (error) {
    return error as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected it to fail');
};

const members = (accountId: string) =>
  db.knex('memberships').where({ accountId }).orderBy('createdAt').select('userId', 'role');
const invitationRows = (accountId: string) => db.knex('account_invitations').where({ accountId });

describe('inviting', () => {
  it('invites by email (normalised), emails a link made when it is sent, audits it, and lists it', async () => {
    const { account, actor } = await accountWith('owner');
    const email = `${unique('grace')}@Example.com`;
    const invitation = await inviteMember({
      actor,
      accountId: account.id,
      email: `  ${email} `,
      role: 'admin',
    });
    expect(invitation).toMatchObject({ email: email.toLowerCase(), role: 'admin', tokenHash: null });
    expect(invitation.expiresAt.getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);

    const [stored] = await db.knex('notifications').where({ accountInvitationId: invitation.id });
    expect(stored).toMatchObject({
      recipient: email.toLowerCase(),
      subject: `Join ${account.name} on Billing`,
    });
    expect(stored.bodyText).toContain('Ada Owner invited you');
    expect(stored.bodyText).not.toMatch(/invitations\//);

    const token = await tokenSentTo(email.toLowerCase());
    const preview = await previewInvitation({ token });
    expect(preview).toMatchObject({ accountName: account.name, invitedByName: 'Ada Owner', hasLogin: false });
    expect((await listInvitations({ actor, accountId: account.id })).map((open) => open.id)).toEqual([
      invitation.id,
    ]);
    const audit = await db.knex('auditLog').where({ accountId: account.id, action: 'member.invited' });
    expect(audit).toHaveLength(1);
  });

  it('sends an open invitation again with a fresh link instead of a second invitation', async () => {
    const { account, actor } = await accountWith('owner');
    const email = `${unique('again')}@example.com`;
    const first = await inviteMember({ actor, accountId: account.id, email, role: 'member' });
    const oldToken = await tokenSentTo(email);
    const again = await inviteMember({ actor, accountId: account.id, email, role: 'admin' });
    expect(again.id).toBe(first.id);
    expect(again.role).toBe('admin');
    expect(await invitationRows(account.id)).toHaveLength(1);
    expect((await errorOf(previewInvitation({ token: oldToken }))).code).toBe('BAD_USER_INPUT');
    const newToken = await tokenSentTo(email);
    expect((await previewInvitation({ token: newToken })).invitation.role).toBe('admin');
  });

  it('refuses bad input, members and people without the right, changing nothing', async () => {
    const { account, actor, user } = await accountWith('owner');
    const bad = await errorOf(
      inviteMember({ actor, accountId: account.id, email: 'not-an-email', role: 'member' }),
    );
    expect(bad).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { fieldErrors: { email: 'is not an email address' } },
    });
    const badRole = await errorOf(
      inviteMember({ actor, accountId: account.id, email: 'a@example.com', role: 'boss' as never }),
    );
    expect(badRole).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { fieldErrors: { role: 'is not a role' } },
    });
    const member = await errorOf(
      inviteMember({ actor, accountId: account.id, email: user.email.toUpperCase(), role: 'member' }),
    );
    expect(member.message).toContain('is already a member');

    const plain = await createUser();
    await addMember({ accountId: account.id, user: plain, role: 'member' });
    expect(
      (
        await errorOf(
          inviteMember({ actor: as(plain), accountId: account.id, email: 'x@example.com', role: 'member' }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    const stranger = await createUser();
    expect(
      (
        await errorOf(
          inviteMember({
            actor: as(stranger),
            accountId: account.id,
            email: 'x@example.com',
            role: 'member',
          }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      (
        await errorOf(
          inviteMember({ actor: anonymous, accountId: account.id, email: 'x@example.com', role: 'member' }),
        )
      ).code,
    ).toBe('UNAUTHENTICATED');
    expect(await invitationRows(account.id)).toHaveLength(0);
    expect(
      await db
        .knex('notifications')
        .where({ kind: 'account.invitation' })
        .where('recipient', 'x@example.com'),
    ).toHaveLength(0);
  });

  it('lets admins invite admins and members but not owners; owners invite owners', async () => {
    const { account } = await accountWith('owner');
    const admin = await createUser();
    await addMember({ accountId: account.id, user: admin, role: 'admin' });
    await inviteMember({
      actor: as(admin),
      accountId: account.id,
      email: `${unique('m')}@example.com`,
      role: 'admin',
    });
    const refused = await errorOf(
      inviteMember({
        actor: as(admin),
        accountId: account.id,
        email: `${unique('o')}@example.com`,
        role: 'owner',
      }),
    );
    expect(refused).toMatchObject({
      code: 'FORBIDDEN',
      message: 'Only owners can invite, appoint or remove owners.',
    });
    expect(await invitationRows(account.id)).toHaveLength(1);
    const { actor: owner } = await accountWith('owner');
    const ownerAccount = (await db.knex('memberships').where({ userId: owner.userId }).first()).accountId;
    const asOwner = await inviteMember({
      actor: owner,
      accountId: ownerAccount,
      email: `${unique('o')}@example.com`,
      role: 'owner',
    });
    expect(asOwner.role).toBe('owner');
    const ownerAdmin = await createUser();
    await addMember({ accountId: ownerAccount, user: ownerAdmin, role: 'admin' });
    const resent = await errorOf(
      inviteMember({ actor: as(ownerAdmin), accountId: ownerAccount, email: asOwner.email, role: 'member' }),
    );
    expect(resent.code).toBe('FORBIDDEN');
    expect((await db.knex('account_invitations').where({ id: asOwner.id }).first()).role).toBe('owner');
  });

  it('sends nothing for an invitation withdrawn before its notice went out', async () => {
    const { account, actor } = await accountWith('owner');
    const email = `${unique('withdrawn')}@example.com`;
    const invitation = await inviteMember({ actor, accountId: account.id, email, role: 'member' });
    await revokeInvitation({ actor, invitationId: invitation.id });
    expect((await deliverOutbox()).filter((mail) => mail.to === email)).toEqual([]);
    expect(await db.knex('notifications').where({ accountInvitationId: invitation.id })).toMatchObject([
      { status: 'skipped' },
    ]);
  });

  it('lets a partner key with accounts:write invite members, never owners; accounts:read is refused', async () => {
    const { account } = await accountWith('owner');
    const writer = await createPartnerKey({ scopes: ['accounts:write'], accountId: account.id });
    const keyActor: Actor = {
      kind: 'apiKey',
      apiKeyId: writer.apiKey.id,
      scopes: new Set(['accounts:write']),
      accountId: account.id,
    };
    const invited = await inviteMember({
      actor: keyActor,
      accountId: account.id,
      email: `${unique('k')}@example.com`,
      role: 'member',
    });
    expect(invited.invitedByUserId).toBeNull();
    expect(
      (
        await errorOf(
          inviteMember({
            actor: keyActor,
            accountId: account.id,
            email: `${unique('k')}@example.com`,
            role: 'owner',
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    const reader: Actor = {
      kind: 'apiKey',
      apiKeyId: writer.apiKey.id,
      scopes: new Set(['accounts:read']),
      accountId: account.id,
    };
    expect(
      (
        await errorOf(
          inviteMember({
            actor: reader,
            accountId: account.id,
            email: `${unique('k')}@example.com`,
            role: 'member',
          }),
        )
      ).code,
    ).toBe('FORBIDDEN');
  });

  it('revokes an open invitation: its link stops working and it is no longer listed', async () => {
    const { account, actor } = await accountWith('admin');
    const email = `${unique('gone')}@example.com`;
    const invitation = await inviteMember({ actor, accountId: account.id, email, role: 'member' });
    const token = await tokenSentTo(email);
    const revoked = await revokeInvitation({ actor, invitationId: invitation.id });
    expect(revoked.revokedAt).not.toBeNull();
    expect(await listInvitations({ actor, accountId: account.id })).toEqual([]);
    expect((await errorOf(previewInvitation({ token }))).details.fieldErrors).toEqual({
      token: 'this invitation was withdrawn; ask for a new invitation',
    });
    expect((await errorOf(revokeInvitation({ actor, invitationId: invitation.id }))).code).toBe(
      'BAD_USER_INPUT',
    );
    const plain = await createUser();
    await addMember({ accountId: account.id, user: plain, role: 'member' });
    const other = await inviteMember({
      actor,
      accountId: account.id,
      email: `${unique('b')}@example.com`,
      role: 'member',
    });
    expect((await errorOf(revokeInvitation({ actor: as(plain), invitationId: other.id }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await errorOf(listInvitations({ actor: as(plain), accountId: account.id }))).code).toBe(
      'FORBIDDEN',
    );
    const stranger = await accountWith('owner');
    expect((await errorOf(revokeInvitation({ actor: stranger.actor, invitationId: other.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await errorOf(listInvitations({ actor: stranger.actor, accountId: account.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await errorOf(revokeInvitation({ actor, invitationId: 'nope' }))).code).toBe('BAD_USER_INPUT');
    expect(await listInvitations({ actor, accountId: account.id })).toHaveLength(1);
  });
});

describe('accepting', () => {
  async function invited(role: 'owner' | 'admin' | 'member' = 'member') {
    const owner = await accountWith('owner');
    const email = `${unique('newbie')}@example.com`;
    const invitation = await inviteMember({ actor: owner.actor, accountId: owner.account.id, email, role });
    return { ...owner, email, invitation, token: await tokenSentTo(email) };
  }

  it('creates a login for a visitor, joins them with the role, signs them in, once', async () => {
    const { account, email, token } = await invited('admin');
    const accepted = await acceptInvitation({
      actor: anonymous,
      token,
      name: 'Grace',
      password: 'a long enough password',
    });
    expect(accepted.user).toMatchObject({ email, name: 'Grace' });
    expect(accepted.membership.role).toBe('admin');
    expect(accepted.session?.token).toEqual(expect.any(String));
    expect(await members(account.id)).toContainEqual({ userId: accepted.user.id, role: 'admin' });
    expect(await db.knex('auditLog').where({ accountId: account.id, action: 'member.joined' })).toHaveLength(
      1,
    );

    const again = await errorOf(
      acceptInvitation({ actor: anonymous, token, name: 'Grace', password: 'a long enough password' }),
    );
    expect(again.details.fieldErrors).toEqual({
      token: 'this invitation was already accepted; sign in to reach the account',
    });
  });

  it('asks a visitor for a name and a good password, creating nothing without them', async () => {
    const { account, token } = await invited();
    expect((await errorOf(acceptInvitation({ actor: anonymous, token }))).details.fieldErrors).toEqual({
      name: 'is required',
      password: 'is required',
    });
    expect(
      (await errorOf(acceptInvitation({ actor: anonymous, token, name: 'G', password: 'short' }))).details
        .fieldErrors,
    ).toEqual({
      password: 'must be at least 10 characters',
    });
    expect(await members(account.id)).toHaveLength(1);
    expect((await previewInvitation({ token })).invitation.acceptedAt).toBeNull();
  });

  it('joins a signed-in person whose login is the invited address', async () => {
    const { account, email, token } = await invited();
    const existing = await createUser({ email: email.toUpperCase() });
    expect((await previewInvitation({ token })).hasLogin).toBe(true);
    expect(
      (
        await errorOf(
          acceptInvitation({ actor: anonymous, token, name: 'X', password: 'a long enough password' }),
        )
      ).details.fieldErrors,
    ).toEqual({
      token: `${email} already has a login; sign in to accept this invitation`,
    });
    const accepted = await acceptInvitation({ actor: as(existing), token });
    expect(accepted.session).toBeNull();
    expect(await members(account.id)).toContainEqual({ userId: existing.id, role: 'member' });
  });

  it('refuses a person signed in with another address: the invitation is bound to its email', async () => {
    const { account, email, token } = await invited();
    const other = await createUser();
    const refused = await errorOf(acceptInvitation({ actor: as(other), token }));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toContain(
      `This invitation is for ${email}, and you are signed in as ${other.email}`,
    );
    expect(await members(account.id)).toHaveLength(1);
  });

  it('refuses an expired link and a withdrawn one', async () => {
    const { token, invitation, actor } = await invited();
    const clock = new ManualClock(new Date(Date.now() + 8 * 24 * 3600 * 1000));
    const restore = useClock(clock);
    try {
      expect(
        (
          await errorOf(
            acceptInvitation({ actor: anonymous, token, name: 'G', password: 'a long enough password' }),
          )
        ).details.fieldErrors,
      ).toEqual({
        token: 'this invitation has expired; ask for a new invitation',
      });
    } finally {
      restore();
    }
    await revokeInvitation({ actor, invitationId: invitation.id });
    const second = await invited();
    await revokeInvitation({ actor: second.actor, invitationId: second.invitation.id });
    expect(
      (
        await errorOf(
          acceptInvitation({
            actor: anonymous,
            token: second.token,
            name: 'G',
            password: 'a long enough password',
          }),
        )
      ).details.fieldErrors,
    ).toEqual({
      token: 'this invitation was withdrawn; ask for a new invitation',
    });
  });

  it('admits one member when the same link is accepted twice at once', async () => {
    const { account, email, token } = await invited();
    const user = await createUser({ email });
    const outcomes = await Promise.allSettled([
      acceptInvitation({ actor: as(user), token }),
      acceptInvitation({ actor: as(user), token }),
      acceptInvitation({ actor: as(user), token }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect((await members(account.id)).filter((member) => member.userId === user.id)).toHaveLength(1);
    expect(await db.knex('auditLog').where({ accountId: account.id, action: 'member.joined' })).toHaveLength(
      1,
    );
  });
});

describe('seats', () => {
  async function onPerSeatPlan(seats: number) {
    const owner = await accountWith('owner');
    const plan = await createPlan({ perSeat: true, name: 'Team' });
    await db
      .knex('subscriptions')
      .where({ accountId: owner.account.id })
      .update({ planId: plan.id, quantity: seats });
    return owner;
  }

  it('counts members and open invitations against the paid seats, and frees one when revoked', async () => {
    const { account, actor } = await onPerSeatPlan(3);
    await addMember({ accountId: account.id, user: await createUser(), role: 'member' });
    const second = await inviteMember({
      actor,
      accountId: account.id,
      email: `${unique('s')}@example.com`,
      role: 'member',
    });
    const refused = await errorOf(
      inviteMember({ actor, accountId: account.id, email: `${unique('s')}@example.com`, role: 'member' }),
    );
    expect(refused).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      message: 'All 3 paid seats are taken; add seats on the billing page or remove a member.',
      details: { featureKey: 'seats', limit: 3, used: 3 },
    });
    expect(await invitationRows(account.id)).toHaveLength(1);
    // Sending the open invitation again takes no second seat.
    await inviteMember({ actor, accountId: account.id, email: second.email, role: 'admin' });
    await revokeInvitation({ actor, invitationId: second.id });
    await inviteMember({ actor, accountId: account.id, email: `${unique('s')}@example.com`, role: 'member' });
  });

  it('checks again on accepting, when seats were taken away meanwhile', async () => {
    const { account, actor } = await onPerSeatPlan(2);
    const email = `${unique('late')}@example.com`;
    await inviteMember({ actor, accountId: account.id, email, role: 'member' });
    const token = await tokenSentTo(email);
    await db.knex('subscriptions').where({ accountId: account.id }).update({ quantity: 1 });
    const refused = await errorOf(
      acceptInvitation({ actor: anonymous, token, name: 'Late', password: 'a long enough password' }),
    );
    expect(refused.message).toBe(
      'All 1 paid seats are taken; add seats on the billing page or remove a member.',
    );
    expect(await members(account.id)).toHaveLength(1);
    expect(await db.knex('users').where({ email })).toHaveLength(0);
    await db.knex('subscriptions').where({ accountId: account.id }).update({ quantity: 2 });
    await acceptInvitation({ actor: anonymous, token, name: 'Late', password: 'a long enough password' });
    expect(await members(account.id)).toHaveLength(2);
  });

  it('follows a plan’s LIMIT on seats where the plan is not priced per seat, and is unlimited otherwise', async () => {
    const { account, actor } = await accountWith('owner');
    for (let index = 0; index < 4; index += 1)
      await inviteMember({
        actor,
        accountId: account.id,
        email: `${unique('free')}@example.com`,
        role: 'member',
      });
    const limited = await createPlan({ name: 'Starter' }, [
      { kind: 'limit', featureKey: 'seats', limitValue: 2 },
    ]);
    const other = await accountWith('owner');
    await db.knex('subscriptions').where({ accountId: other.account.id }).update({ planId: limited.id });
    await inviteMember({
      actor: other.actor,
      accountId: other.account.id,
      email: `${unique('l')}@example.com`,
      role: 'member',
    });
    const refused = await errorOf(
      inviteMember({
        actor: other.actor,
        accountId: other.account.id,
        email: `${unique('l')}@example.com`,
        role: 'member',
      }),
    );
    expect(refused).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 2, used: 2 } });
    expect(refused.message).toContain('The Starter plan allows 2 seats and all are taken');
  });
});
