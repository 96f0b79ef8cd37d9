import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import { ConflictError } from '../errors';
import { parseInput } from '../validation';
import { systemActor } from './actor';
import { issuePasswordLinkNow } from './passwordReset';
import { User } from './User';

const platformAdminInput = z.object({
  email: z.string().trim().max(254, 'is at most 254 characters').pipe(z.email('is not an email address')),
  name: z.string().trim().min(1, 'is required').max(200, 'is at most 200 characters').optional(),
});

export type PlatformAdminInput = z.input<typeof platformAdminInput>;

/** What granting did: a new login, an existing one made admin, or one that already was. */
export type PlatformAdminOutcome = 'created' | 'promoted' | 'already_admin';

export interface PlatformAdminGrant {
  user: User;
  outcome: PlatformAdminOutcome;
  /** One-time, for an hour: choose a password (a new login has none) and sign in. */
  passwordLink: string;
}

/** Checks the input alone, so a caller can refuse bad input before it connects to anything. */
export function parsePlatformAdminInput(input: PlatformAdminInput) {
  return parseInput(platformAdminInput, input);
}

/**
 * Makes the login with this address a platform admin, creating it (without a password) when there is
 * none. Running it again changes nothing but hands out a fresh link, for when the first one expired.
 * A deleted login is not brought back: its address is refused.
 */
export async function grantPlatformAdmin(input: PlatformAdminInput): Promise<PlatformAdminGrant> {
  const { email, name } = parsePlatformAdminInput(input);
  return User.transaction(async (trx) => {
    // Two runs at once would race on the unique index of lower(email); one waits for the other instead.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`user:${email.toLowerCase()}`]);
    const existing = await User.query(trx).whereRaw('lower(email) = lower(?)', [email]).first();
    if (existing?.deletedAt)
      throw new ConflictError(`The login of ${existing.email} was deleted; use another address.`);

    let user: User;
    let outcome: PlatformAdminOutcome;
    if (!existing) {
      user = await User.query(trx).insertAndFetch({
        email,
        name: name ?? null,
        passwordHash: null,
        isPlatformAdmin: true,
      });
      outcome = 'created';
    } else if (!existing.isPlatformAdmin) {
      user = await User.query(trx).patchAndFetchById(existing.id, { isPlatformAdmin: true });
      outcome = 'promoted';
    } else {
      user = existing;
      outcome = 'already_admin';
    }
    if (outcome !== 'already_admin')
      await recordAudit({
        trx,
        actor: systemActor('admin command'),
        accountId: null,
        action: 'user.platform_admin_granted',
        target: { type: 'user', id: user.id },
        details: { outcome },
      });
    return { user, outcome, passwordLink: await issuePasswordLinkNow({ trx, userId: user.id }) };
  });
}

/** Every platform admin who can still sign in or be given a password, oldest first. */
export async function listPlatformAdmins(): Promise<User[]> {
  return User.query().where({ isPlatformAdmin: true }).whereNull('deletedAt').orderBy('createdAt');
}
