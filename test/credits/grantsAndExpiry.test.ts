import { Model } from 'objection';
import { systemActor, type Actor } from '../../server/auth/actor';
import { ManualClock, useClock } from '../../server/clock';
import { consumeCredits } from '../../server/credits/consumption';
import { expireCreditGrants } from '../../server/credits/expiry';
import { grantCredits } from '../../server/credits/grants';
import { createAccount, createUser, grantTestCredits, unique } from '../factories';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const system = systemActor('grant test');
const HOUR = 3_600_000;

async function remainingOf(accountId: string) {
  const grants = await db.knex('credit_grants').where({ accountId }).orderBy('createdAt');
  return Object.fromEntries(grants.map((grant) => [grant.description, grant.remaining]));
}

describe('granting credits', () => {
  it('is idempotent by key: a retry returns the first grant and grants nothing more', async () => {
    const account = await createAccount();
    const grant = {
      actor: system,
      accountId: account.id,
      source: 'purchase' as const,
      amount: 500_000,
      idempotencyKey: 'purchase:p1',
    };
    const first = await grantCredits(grant);
    const again = await grantCredits(grant);
    expect(again).toMatchObject({
      replayed: true,
      grant: { id: first.grant.id },
      ledgerEntry: { id: first.ledgerEntry.id },
    });
    expect(first.ledgerEntry).toMatchObject({
      entryType: 'grant',
      amount: 500_000,
      balanceAfter: 500_000,
      grantId: first.grant.id,
    });
    await expect(grantCredits({ ...grant, amount: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await db.knex('credit_ledger_entries').where({ accountId: account.id })).toHaveLength(1);
  });

  it('joins the caller’s transaction, so a cause that rolls back grants nothing', async () => {
    const account = await createAccount();
    await expect(
      Model.knex().transaction(async (trx) => {
        await grantCredits({
          trx,
          actor: system,
          accountId: account.id,
          source: 'refund',
          amount: 1000,
          idempotencyKey: 'refund:r1',
        });
        throw new Error('the refund failed');
      }),
    ).rejects.toThrow('the refund failed');
    expect(await db.knex('credit_grants').where({ accountId: account.id })).toEqual([]);
    expect((await db.knex('credit_balances').where({ accountId: account.id }).first()).balance).toBe(0);
  });

  it('is for trusted code and platform admins, with valid input, to accounts that exist', async () => {
    const account = await createAccount();
    const grant = {
      accountId: account.id,
      source: 'promotion' as const,
      amount: 1000,
      idempotencyKey: unique('g'),
    };
    const partner: Actor = {
      kind: 'apiKey',
      apiKeyId: 'k',
      scopes: new Set(['credits:write']),
      accountId: null,
    };
    const member: Actor = {
      kind: 'user',
      userId: (await createUser()).id,
      sessionId: null,
      isPlatformAdmin: false,
    };
    await expect(grantCredits({ ...grant, actor: partner })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(grantCredits({ ...grant, actor: member })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(grantCredits({ ...grant, actor: system, amount: 0 })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { amount: 'must be positive' },
    });
    await expect(grantCredits({ ...grant, actor: system, amount: 1.5 })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(
      grantCredits({ ...grant, actor: system, expiresAt: new Date(Date.now() - 1000) }),
    ).rejects.toMatchObject({
      fieldErrors: { expiresAt: 'must be in the future' },
    });
    await expect(
      grantCredits({ ...grant, actor: system, accountId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await db.knex('credit_grants').where({ accountId: account.id })).toEqual([]);
  });
});

describe('spending order', () => {
  it('spends the lowest priority number first, then the earliest expiry (never-expiring last), then the oldest', async () => {
    const account = await createAccount();
    const inADay = new Date(Date.now() + 24 * HOUR);
    const inAWeek = new Date(Date.now() + 7 * 24 * HOUR);
    await grantTestCredits({ accountId: account.id, amount: 1000, priority: 10, description: 'purchased' });
    await grantTestCredits({
      accountId: account.id,
      amount: 1000,
      priority: 0,
      description: 'allowance, never expires',
    });
    await grantTestCredits({
      accountId: account.id,
      amount: 1000,
      priority: 0,
      expiresAt: inAWeek,
      description: 'allowance, expires in a week',
    });
    await grantTestCredits({
      accountId: account.id,
      amount: 1000,
      priority: 0,
      expiresAt: inADay,
      description: 'allowance, expires tomorrow',
    });
    await grantTestCredits({
      accountId: account.id,
      amount: 1000,
      priority: 0,
      description: 'allowance, never expires, newer',
    });

    await consumeCredits({ actor: system, accountId: account.id, idempotencyKey: 'spend', amount: 3500 });
    expect(await remainingOf(account.id)).toEqual({
      purchased: 1000,
      'allowance, never expires': 0,
      'allowance, expires in a week': 0,
      'allowance, expires tomorrow': 0,
      'allowance, never expires, newer': 500,
    });
    const [consumption] = await db
      .knex('credit_ledger_entries')
      .where({ accountId: account.id, entryType: 'consumption' });
    const allocations = await db.knex('credit_allocations').where({ ledgerEntryId: consumption.id });
    expect(allocations.map((allocation) => allocation.amount).sort((a, b) => a - b)).toEqual([
      -1000, -1000, -1000, -500,
    ]);
  });
});

describe('expiring credits', () => {
  it('writes off what is left of expired grants with one entry each, and is safe to run twice or concurrently', async () => {
    const account = await createAccount();
    const expiresAt = new Date(Date.now() + HOUR);
    await grantTestCredits({ accountId: account.id, amount: 4000, expiresAt, description: 'expiring' });
    await grantTestCredits({ accountId: account.id, amount: 2500, expiresAt, description: 'expiring too' });
    await grantTestCredits({ accountId: account.id, amount: 1000, description: 'lasting' });
    await consumeCredits({ actor: system, accountId: account.id, idempotencyKey: 'spend', amount: 1500 });

    const later = new Date(expiresAt.getTime() + 1);
    const runs = await Promise.all([
      expireCreditGrants({ now: later }),
      expireCreditGrants({ now: later }),
      expireCreditGrants({ now: later }),
    ]);
    const again = await expireCreditGrants({ now: later });

    const expiries = await db
      .knex('credit_ledger_entries')
      .where({ accountId: account.id, entryType: 'expiry' });
    expect(expiries.map((entry) => entry.amount)).toEqual([-2500, -2500]);
    expect(runs.reduce((sum, run) => sum + run.grantsExpired, 0) + again.grantsExpired).toBe(2);
    expect(again).toEqual({ grantsExpired: 0, milliCreditsExpired: 0 });
    expect(await remainingOf(account.id)).toEqual({ expiring: 0, 'expiring too': 0, lasting: 1000 });
    expect((await db.knex('credit_balances').where({ accountId: account.id }).first()).balance).toBe(1000);
  });

  it('happens before a consumption spends, so expired credits are never spent', async () => {
    const clock = new ManualClock(new Date());
    const restore = useClock(clock);
    try {
      const account = await createAccount();
      await grantTestCredits({
        accountId: account.id,
        amount: 5000,
        expiresAt: new Date(clock.now().getTime() + HOUR),
      });
      await grantTestCredits({ accountId: account.id, amount: 1000 });
      clock.advance(HOUR);
      await expect(
        consumeCredits({ actor: system, accountId: account.id, idempotencyKey: 'late', amount: 2000 }),
      ).rejects.toMatchObject({
        code: 'INSUFFICIENT_CREDITS',
        balance: 1000,
        required: 2000,
      });
      expect(
        await db.knex('credit_ledger_entries').where({ accountId: account.id, entryType: 'expiry' }),
      ).toHaveLength(1);
    } finally {
      restore();
    }
  });
});
