import type { Knex } from 'knex';
import { z } from 'zod';
import { recordAudit } from '../audit/auditLog';
import type { Actor } from '../auth/actor';
import { passwordSchema } from '../auth/passwordReset';
import { generateToken, hashPassword, hashToken } from '../auth/secrets';
import { createSession, type IssuedSession } from '../auth/sessions';
import { User } from '../auth/User';
import { now } from '../clock';
import { openCreditBalance } from '../credits/balances';
import { ValidationError } from '../errors';
import {
  countNoticesTo,
  enqueueAddressNotification,
  enqueueUserNotification,
  ONE_TIME_LINK,
} from '../notifications/outbox';
import { settings } from '../settings';
import { recordAccountEvent } from '../partnerWebhooks/events';
import { requireDefaultPlan, startDefaultSubscription } from '../subscriptions/currentSubscription';
import { parseInput } from '../validation';
import { Account } from './Account';
import { Membership } from './Membership';
import { SignUpRequest } from './SignUpRequest';

const signUpInput = z.object({
  email: z.string().trim().max(254, 'is at most 254 characters').pipe(z.email('is not an email address')),
  password: passwordSchema,
  name: z.string().trim().min(1, 'is required').max(200, 'is at most 200 characters'),
  accountName: z.string().trim().min(1, 'is required').max(200, 'is at most 200 characters'),
});

/** How long the emailed link to finish a sign-up works, counted from when it is sent. */
const CONFIRMATION_LINK_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** At most this many sign-up emails to one address an hour, so the form cannot flood an inbox. */
export const SIGN_UP_EMAILS_PER_HOUR = 3;
const SIGN_UP_NOTICES = ['auth.sign_up_confirmation', 'auth.sign_up_existing_login'];

/**
 * A visitor asks to sign up. Nothing tells them whether the address already has a login: either way
 * the input is checked the same, the password is hashed, one email is queued and the answer is the
 * same. A new address is sent a link to finish signing up (`confirmSignUp`); an address that has a
 * login is told so, with the ways in, by email to its owner only. While the catalog has no default
 * plan nobody can finish, so nobody is asked to: NO_DEFAULT_PLAN, and nothing is queued.
 */
export async function requestSignUp(input: z.input<typeof signUpInput>): Promise<void> {
  const { email, password, name, accountName } = parseInput(signUpInput, input);
  await requireDefaultPlan();
  const passwordHash = await hashPassword(password);
  await SignUpRequest.transaction(async (trx) => {
    // One request per address at a time, so a burst cannot pass the cap on emails.
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`sign-up:${email.toLowerCase()}`]);
    const since = new Date(now().getTime() - 60 * 60 * 1000);
    const sent = await countNoticesTo({ trx, recipient: email, kinds: SIGN_UP_NOTICES, since });
    if (sent >= SIGN_UP_EMAILS_PER_HOUR) return;
    const existing = await User.query(trx).whereRaw('lower(email) = lower(?)', [email]).first();
    if (existing) return tellOwnerOfExistingLogin({ trx, user: existing });
    const request = await SignUpRequest.query(trx).insertAndFetch({
      email,
      name,
      accountName,
      passwordHash,
      expiresAt: new Date(now().getTime() + CONFIRMATION_LINK_LIFETIME_MS),
    });
    await enqueueAddressNotification({
      trx,
      recipient: email,
      notice: { kind: 'auth.sign_up_confirmation', data: { email, accountName, link: ONE_TIME_LINK } },
      link: { signUpRequestId: request.id },
    });
  });
}

async function tellOwnerOfExistingLogin({ trx, user }: { trx: Knex.Transaction; user: User }) {
  if (user.deletedAt) return;
  const site = settings().publicUrl;
  await enqueueUserNotification({
    trx,
    userId: user.id,
    notice: {
      kind: 'auth.sign_up_existing_login',
      data: { signInUrl: `${site}/signin`, resetUrl: `${site}/reset-password` },
    },
  });
}

/**
 * Creates the token of a sign-up's link as its email is being sent, replacing any token an earlier
 * attempt to send it created, and returns the link; null when the sign-up was already finished.
 */
export async function issueSignUpConfirmationLink({
  trx,
  signUpRequestId,
}: {
  trx: Knex.Transaction;
  signUpRequestId: string;
}): Promise<string | null> {
  const token = generateToken();
  const issued = await SignUpRequest.query(trx)
    .findById(signUpRequestId)
    .whereNull('completedAt')
    .patch({
      tokenHash: hashToken(token),
      expiresAt: new Date(now().getTime() + CONFIRMATION_LINK_LIFETIME_MS),
    });
  return issued > 0 ? `${settings().publicUrl}/signup/confirm?token=${token}` : null;
}

const confirmInput = z.object({ token: z.string().min(1, 'is required').max(200, 'is not a link token') });

/**
 * The emailed link was followed: the login, an account on the default plan that it owns (with its
 * subscription and credit balance, as every account has), all in one transaction, then a session.
 * A link works once and for 24 hours; without a default plan nothing is created and it still works.
 */
export async function confirmSignUp({
  actor,
  ...input
}: { actor: Actor } & z.input<typeof confirmInput>): Promise<IssuedSession & { account: Account }> {
  const { token } = parseInput(confirmInput, input);
  const { user, account } = await Account.transaction(async (trx) => {
    const request = await SignUpRequest.query(trx)
      .findOne({ tokenHash: hashToken(token) })
      .forUpdate();
    if (!request || request.completedAt || request.expiresAt <= now()) {
      throw ValidationError.forField('token', 'this link has expired or was already used; sign up again');
    }
    await SignUpRequest.query(trx).findById(request.id).patch({ completedAt: now() });
    const created = await insertUser({ trx, request });
    const account = await Account.query(trx).insertAndFetch({
      name: request.accountName,
      billingEmail: request.email,
      currency: 'usd',
    });
    await recordAccountEvent({ trx, account, type: 'account.created' });
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

async function insertUser({ trx, request }: { trx: Knex.Transaction; request: SignUpRequest }) {
  // The address may have got a login since the link was sent (another sign-up finished first); the
  // unique index on lower(email) settles a race between two.
  const inserted = await User.query(trx)
    .insert({
      email: request.email,
      name: request.name,
      passwordHash: request.passwordHash,
      isPlatformAdmin: false,
    })
    .onConflict()
    .ignore()
    .returning('*');
  const created = Array.isArray(inserted) ? inserted[0] : inserted;
  if (!created?.id)
    throw ValidationError.forField(
      'token',
      'this address already has a login; sign in or reset your password',
    );
  return created;
}

/** A sign-up never finished is forgotten (with its password hash) a day after its link expired. */
export async function purgeExpiredSignUpRequests(): Promise<number> {
  return SignUpRequest.query()
    .where('expiresAt', '<', new Date(now().getTime() - 24 * 60 * 60 * 1000))
    .delete();
}
