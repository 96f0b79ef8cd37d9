import type { Knex } from 'knex';
import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import type { Actor } from '../auth/actor';
import { passwordSchema } from '../auth/passwordReset';
import { hashPassword, hashToken } from '../auth/secrets';
import { createSession, type IssuedSession } from '../auth/sessions';
import { User } from '../auth/User';
import { now } from '../clock';
import { ForbiddenError, ValidationError } from '../errors';
import { parseInput } from '../validation';
import { type Account } from './Account';
import { AccountInvitation } from './AccountInvitation';
import { withAccountLock } from './accountLock';
import { assertOpen } from './invitations';
import { Membership } from './Membership';
import { assertSeatAvailable } from './seatAllowance';

const acceptInput = z.object({
  token: z.string().trim().min(1, 'is required').max(200, 'is not an invitation link'),
  name: z.string().trim().min(1, 'is required').max(200, 'is at most 200 characters').nullish(),
  password: passwordSchema.nullish(),
});

export interface AcceptedInvitation {
  membership: Membership;
  account: Account;
  user: User;
  /** A session for a login created by accepting; null when the person was signed in already. */
  session: IssuedSession | null;
}

/**
 * Accepts an invitation from its link, once. An invitation is bound to the address it was sent to: a
 * signed-in person joins with their login when it is that address; a visitor creates the login for it
 * (name and password, as a sign-up does; the emailed link proves the address) and is signed in. Seats are
 * checked again, under the account's lock, which also makes two accepts of one link admit one member.
 */
export async function acceptInvitation({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof acceptInput>): Promise<AcceptedInvitation> {
  const { token, name, password } = parseInput(acceptInput, input);
  const tokenHash = hashToken(token);
  const found = await AccountInvitation.query().findOne({ tokenHash });
  assertOpen(found);
  if (actor.kind !== 'user' && actor.kind !== 'anonymous')
    throw new ForbiddenError('An invitation is accepted by a person, signed in or creating a login.');
  const passwordHash = actor.kind === 'anonymous' && password ? await hashPassword(password) : null;

  const accepted = await withAccountLock(found.accountId, async ({ trx, account }) => {
    const invitation = await AccountInvitation.query(trx).findOne({ tokenHash }).forUpdate();
    assertOpen(invitation);
    if (account.deletedAt)
      throw ValidationError.forField('token', 'the account of this invitation no longer exists');
    const user =
      actor.kind === 'user'
        ? await signedInUser({ trx, userId: actor.userId, email: invitation.email })
        : await createLogin({ trx, email: invitation.email, name, passwordHash });
    const existing = await Membership.query(trx).findOne({ accountId: account.id, userId: user.id });
    if (!existing)
      await assertSeatAvailable({ trx, accountId: account.id, excludeInvitationId: invitation.id });
    const membership =
      existing ??
      (await Membership.query(trx).insertAndFetch({
        accountId: account.id,
        userId: user.id,
        role: invitation.role,
      }));
    await AccountInvitation.query(trx)
      .findById(invitation.id)
      .patch({ acceptedAt: now(), acceptedByUserId: user.id });
    await recordAudit({
      trx,
      actor:
        actor.kind === 'user'
          ? actor
          : { kind: 'user', userId: user.id, sessionId: null, isPlatformAdmin: false },
      accountId: account.id,
      action: 'member.joined',
      target: { type: 'user', id: user.id },
      details: { invitationId: invitation.id, role: membership.role },
    });
    return { membership, account, user };
  });
  const session = actor.kind === 'anonymous' ? await createSession({ user: accepted.user }) : null;
  return { ...accepted, session };
}

async function signedInUser({
  trx,
  userId,
  email,
}: {
  trx: Knex.Transaction;
  userId: string;
  email: string;
}) {
  const user = await User.query(trx).findById(userId).throwIfNotFound();
  if (user.email.toLowerCase() !== email)
    throw new ForbiddenError(
      `This invitation is for ${email}, and you are signed in as ${user.email}. Sign out, then open the link again.`,
    );
  return user;
}

async function createLogin({
  trx,
  email,
  name,
  passwordHash,
}: {
  trx: Knex.Transaction;
  email: string;
  name: string | null | undefined;
  passwordHash: string | null;
}): Promise<User> {
  const existing = await User.query(trx).whereRaw('lower(email) = ?', [email]).first();
  if (existing)
    throw ValidationError.forField(
      'token',
      `${email} already has a login; sign in to accept this invitation`,
    );
  const problems: Record<string, string> = {};
  if (!name) problems.name = 'is required';
  if (!passwordHash) problems.password = 'is required';
  if (!name || !passwordHash) throw ValidationError.forFields(problems);
  const inserted = await User.query(trx)
    .insert({ email, name, passwordHash, isPlatformAdmin: false })
    .onConflict()
    .ignore()
    .returning('*');
  const created = Array.isArray(inserted) ? inserted[0] : inserted;
  if (!created?.id)
    throw ValidationError.forField(
      'token',
      `${email} already has a login; sign in to accept this invitation`,
    );
  return created;
}
