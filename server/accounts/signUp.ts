import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import type { Actor } from '../auth/actor';
import { passwordSchema } from '../auth/passwordReset';
import { hashPassword } from '../auth/secrets';
import { createSession, type IssuedSession } from '../auth/sessions';
import { User } from '../auth/User';
import { openCreditBalance } from '../credits/balances';
import { ValidationError } from '../errors';
import { startDefaultSubscription } from '../subscriptions/currentSubscription';
import { parseInput } from '../validation';
import { Account } from './Account';
import { Membership } from './Membership';

const signUpInput = z.object({
  email: z.string().trim().max(254, 'is at most 254 characters').pipe(z.email('is not an email address')),
  password: passwordSchema,
  name: z.string().trim().min(1, 'is required').max(200, 'is at most 200 characters'),
  accountName: z.string().trim().min(1, 'is required').max(200, 'is at most 200 characters'),
});

/**
 * A new customer signs up on the web: their user, an account on the default plan that they own (with
 * its subscription and credit balance, as every account has), all in one transaction, then a session.
 */
export async function signUp({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof signUpInput>): Promise<IssuedSession & { account: Account }> {
  const { email, password, name, accountName } = parseInput(signUpInput, input);
  const passwordHash = await hashPassword(password);

  const { user, account } = await Account.transaction(async (trx) => {
    const taken = await User.query(trx).whereRaw('lower(email) = lower(?)', [email]).first();
    if (taken)
      throw ValidationError.forField('email', 'already has a login here; sign in or reset your password');
    // The unique index on lower(email) settles a race between two sign-ups with one address.
    const inserted = await User.query(trx)
      .insert({ email, name, passwordHash, isPlatformAdmin: false })
      .onConflict()
      .ignore()
      .returning('*');
    const created = Array.isArray(inserted) ? inserted[0] : inserted;
    if (!created?.id)
      throw ValidationError.forField('email', 'already has a login here; sign in or reset your password');
    const account = await Account.query(trx).insertAndFetch({
      name: accountName,
      billingEmail: email,
      currency: 'usd',
    });
    await startDefaultSubscription({ trx, accountId: account.id });
    await openCreditBalance({ trx, accountId: account.id });
    await Membership.query(trx).insert({ accountId: account.id, userId: created.id, role: 'owner' });
    const signedUpBy =
      actor.kind === 'anonymous'
        ? { kind: 'user' as const, userId: created.id, sessionId: null, isPlatformAdmin: false }
        : actor;
    await recordAudit({
      trx,
      actor: signedUpBy,
      accountId: account.id,
      action: 'account.signed_up',
      target: { type: 'user', id: created.id },
    });
    return { user: created, account };
  });

  return { ...(await createSession({ user })), account };
}
