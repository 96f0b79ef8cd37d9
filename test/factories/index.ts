import { randomBytes } from 'node:crypto';
import { upsertAccount } from '../../server/accounts/accounts';
import { Membership, type MembershipRole } from '../../server/accounts/Membership';
import { systemActor } from '../../server/auth/actor';
import { issueApiKey } from '../../server/auth/apiKeys';
import type { ApiScope } from '../../server/auth/scopes';
import { serializeSessionCookie } from '../../server/auth/sessionCookie';
import { createSession } from '../../server/auth/sessions';
import { hashPassword } from '../../server/auth/secrets';
import { User } from '../../server/auth/User';
import { Meter } from '../../server/catalog/Meter';
import { Plan } from '../../server/catalog/Plan';
import { PlanEntitlement } from '../../server/catalog/PlanEntitlement';
import { grantCredits } from '../../server/credits/grants';
import { Payment } from '../../server/payments/Payment';
import type { Database } from '../../server/db/knex';
import { seed as seedCatalog } from '../../seeds/01_catalog';
import { TEST_SESSION_SECRET } from '../support/testApp';

/**
 * Factories build valid rows through the same services the product uses, with every field
 * overridable. Names are unique per call so tests in one database never collide.
 */
export const unique = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

export async function createDemoCatalog(knex: Database): Promise<void> {
  await seedCatalog(knex);
}

export async function createPlan(
  overrides: Partial<Plan> = {},
  entitlements: Array<Partial<PlanEntitlement>> = [],
): Promise<Plan> {
  const plan = await Plan.query().insertAndFetch({
    key: unique('plan'),
    name: 'Test plan',
    tier: 'test',
    tierRank: 1,
    billingInterval: 'month',
    priceAmount: 1000,
    currency: 'usd',
    ...overrides,
  });
  if (entitlements.length > 0) {
    await PlanEntitlement.query().insert(
      entitlements.map((entitlement) => ({
        planId: plan.id,
        kind: 'boolean' as const,
        featureKey: unique('feature'),
        ...entitlement,
      })),
    );
  }
  return plan;
}

/** The plan new accounts start on; created once per database. */
export async function ensureDefaultPlan(): Promise<Plan> {
  const existing = await Plan.query().findOne({ isDefault: true, active: true });
  return (
    existing ??
    createPlan({ key: 'free', name: 'Free', tier: 'free', tierRank: 0, priceAmount: 0, isDefault: true })
  );
}

export async function createAccount(
  overrides: { externalId?: string; name?: string; billingEmail?: string; currency?: string } = {},
) {
  await ensureDefaultPlan();
  const { account } = await upsertAccount({
    actor: systemActor('test factory'),
    externalId: overrides.externalId ?? unique('acct'),
    name: overrides.name ?? 'Test Account',
    billingEmail: overrides.billingEmail,
    currency: overrides.currency,
  });
  return account;
}

export const TEST_PASSWORD = 'correct horse battery staple';

export async function createUser(
  overrides: { email?: string; name?: string; isPlatformAdmin?: boolean; password?: string } = {},
): Promise<User> {
  return User.query().insertAndFetch({
    email: overrides.email ?? `${unique('user')}@example.com`,
    name: overrides.name ?? 'Test User',
    isPlatformAdmin: overrides.isPlatformAdmin ?? false,
    passwordHash: await hashPassword(overrides.password ?? TEST_PASSWORD),
  });
}

export async function addMember({
  accountId,
  user,
  role = 'member',
}: {
  accountId: string;
  user: User;
  role?: MembershipRole;
}) {
  return Membership.query().insertAndFetch({ accountId, userId: user.id, role });
}

/** A user who belongs to a fresh account with the given role; returns both and the session cookie. */
export async function createMember({ role = 'owner' }: { role?: MembershipRole } = {}) {
  const account = await createAccount();
  const user = await createUser();
  await addMember({ accountId: account.id, user, role });
  return { account, user, cookie: await sessionCookieFor(user) };
}

export async function sessionCookieFor(user: User): Promise<string> {
  const session = await createSession({ user });
  return serializeSessionCookie(session, { secret: TEST_SESSION_SECRET, secure: false }).split(';')[0]!;
}

export async function createPartnerKey({
  scopes,
  accountId = null,
  returnOrigins,
}: {
  scopes: ApiScope[];
  accountId?: string | null;
  returnOrigins?: string[];
}) {
  return issueApiKey({ name: unique('key'), scopes, accountId, returnOrigins, createdByUserId: null });
}

export async function createMeter(overrides: Partial<Meter> = {}): Promise<Meter> {
  return Meter.query().insertAndFetch({
    key: unique('meter').toLowerCase(),
    name: 'Test meter',
    aggregation: 'sum',
    unit: 'unit',
    ...overrides,
  });
}

/** Gives an account credits through the product's own grant service. */
export async function grantTestCredits({
  accountId,
  amount,
  ...options
}: { accountId: string; amount: number } & Partial<
  Omit<Parameters<typeof grantCredits>[0], 'accountId' | 'amount'>
>) {
  return grantCredits({
    actor: systemActor('test factory'),
    accountId,
    amount,
    source: 'promotion',
    idempotencyKey: unique('grant'),
    ...options,
  });
}

/**
 * A payment as the webhooks record one: by default a completed $10.00 charge through a PaymentIntent, so
 * the admin console offers to refund it. Refunding it for real needs the PaymentIntent in Stripe.
 */
export async function createPayment({
  accountId,
  ...overrides
}: { accountId: string } & Partial<Omit<Payment, 'accountId'>>): Promise<Payment> {
  return Payment.query().insertAndFetch({
    accountId,
    type: 'subscription_payment',
    status: 'completed',
    amount: 1000,
    currency: 'usd',
    description: 'Test charge',
    stripePaymentIntentId: unique('pi_test'),
    completedAt: new Date(),
    ...overrides,
  });
}
