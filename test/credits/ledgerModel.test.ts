import fc from 'fast-check';
import { systemActor } from '../../server/auth/actor';
import { ManualClock, useClock } from '../../server/clock';
import { adjustCredits } from '../../server/credits/adjustments';
import { consumeCredits } from '../../server/credits/consumption';
import { expireCreditGrants } from '../../server/credits/expiry';
import { grantCredits } from '../../server/credits/grants';
import { InsufficientCreditsError } from '../../server/errors';
import { createAccount, unique } from '../factories';
import { useTestDatabase } from '../support/database';

/**
 * Random sequences of grants, consumptions, expiries and adjustments, applied to the real services and
 * to a few lines of in-memory model. After every step the database must agree with the model: the
 * balance, what is left of each grant (which is how the consumption order shows), and a ledger whose
 * entries sum to the balance.
 */
const db = useTestDatabase();
const actor = systemActor('model test');
const MINUTE = 60_000;
/** A fixed start, so a failure fast-check reports replays exactly from its seed. */
const START = new Date(Date.UTC(2026, 0, 15, 12));
// The file's one test: forty sequences of up to fifteen steps, a few thousand round trips to Postgres,
// which take minutes on a loaded two-core machine. The run count is fixed, so the work is too.
jest.setTimeout(180_000);

interface ModelGrant {
  id: string;
  priority: number;
  expiresAt: number | null;
  createdAt: number;
  remaining: number;
}

class CreditsModel {
  grants: ModelGrant[] = [];
  balance = 0;

  clone(): CreditsModel {
    const copy = new CreditsModel();
    copy.grants = this.grants.map((grant) => ({ ...grant }));
    copy.balance = this.balance;
    return copy;
  }

  add(grant: ModelGrant): void {
    this.grants.push(grant);
    this.balance += grant.remaining;
  }

  expire(now: number): void {
    for (const grant of this.grants) {
      if (grant.expiresAt !== null && grant.expiresAt <= now) {
        this.balance -= grant.remaining;
        grant.remaining = 0;
      }
    }
  }

  /** Lower priority first, then earliest expiry (none last), then oldest, then id. */
  spend(amount: number): boolean {
    const order = [...this.grants].sort(
      (a, b) =>
        a.priority - b.priority ||
        (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity) ||
        a.createdAt - b.createdAt ||
        (a.id < b.id ? -1 : 1),
    );
    if (order.reduce((sum, grant) => sum + grant.remaining, 0) < amount) return false;
    let outstanding = amount;
    for (const grant of order) {
      const taken = Math.min(grant.remaining, outstanding);
      grant.remaining -= taken;
      outstanding -= taken;
    }
    this.balance -= amount;
    return true;
  }
}

const command = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    amount: fc.integer({ min: 1, max: 50_000 }),
    priority: fc.integer({ min: 0, max: 2 }),
    expiresInMinutes: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }),
  }),
  fc.record({ kind: fc.constant('consume' as const), amount: fc.integer({ min: 1, max: 60_000 }) }),
  fc.record({
    kind: fc.constant('adjust' as const),
    amount: fc.integer({ min: -40_000, max: 40_000 }).filter((amount) => amount !== 0),
  }),
  fc.record({ kind: fc.constant('expire' as const) }),
);
const step = fc.record({ command, minutesLater: fc.integer({ min: 0, max: 45 }) });

async function expectDatabaseToMatch(accountId: string, model: CreditsModel): Promise<void> {
  const { balance } = await db.knex('credit_balances').where({ accountId }).first();
  const grants = await db.knex('credit_grants').where({ accountId });
  const entries = await db.knex('credit_ledger_entries').where({ accountId }).orderBy('id');
  const allocations = await db.knex('credit_allocations').where({ accountId });

  expect(balance).toBe(model.balance);
  expect(Object.fromEntries(grants.map((grant) => [grant.id, grant.remaining]))).toEqual(
    Object.fromEntries(model.grants.map((grant) => [grant.id, grant.remaining])),
  );
  expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
  expect(entries.at(-1)?.balanceAfter ?? 0).toBe(balance);
  for (const grant of grants) {
    const drawn = allocations
      .filter((allocation) => allocation.grantId === grant.id)
      .reduce((sum, allocation) => sum + allocation.amount, 0);
    expect(grant.amount + drawn).toBe(grant.remaining);
  }
}

describe('the credits ledger', () => {
  it('agrees with a simple model through any sequence of grants, consumptions, expiries and adjustments', async () => {
    const clock = new ManualClock(START);
    const restoreClock = useClock(clock);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 15 }), async (steps) => {
          const account = await createAccount();
          let model = new CreditsModel();
          for (const { command, minutesLater } of steps) {
            clock.advance(minutesLater * MINUTE + 1);
            const now = clock.now().getTime();
            if (command.kind === 'grant') {
              const expiresAt =
                command.expiresInMinutes === null ? null : new Date(now + command.expiresInMinutes * MINUTE);
              const { grant } = await grantCredits({
                actor,
                accountId: account.id,
                source: 'purchase',
                amount: command.amount,
                priority: command.priority,
                expiresAt,
                idempotencyKey: unique('g'),
              });
              model.add({
                id: grant.id,
                priority: command.priority,
                expiresAt: expiresAt?.getTime() ?? null,
                createdAt: now,
                remaining: command.amount,
              });
            } else if (command.kind === 'consume') {
              model.expire(now);
              const expected = model.spend(command.amount);
              const outcome = consumeCredits({
                actor,
                accountId: account.id,
                idempotencyKey: unique('c'),
                amount: command.amount,
              });
              if (expected)
                await expect(outcome).resolves.toMatchObject({
                  amount: command.amount,
                  balanceAfter: model.balance,
                });
              else
                await expect(outcome).rejects.toEqual(
                  new InsufficientCreditsError(model.balance, command.amount),
                );
            } else if (command.kind === 'adjust' && command.amount > 0) {
              const { grant } = await adjustCredits({
                actor,
                accountId: account.id,
                amount: command.amount,
                reason: 'model',
                idempotencyKey: unique('a'),
              });
              model.add({
                id: grant!.id,
                priority: 0,
                expiresAt: null,
                createdAt: now,
                remaining: command.amount,
              });
            } else if (command.kind === 'adjust') {
              // A refused adjustment rolls back entirely, including the write-offs it would have made.
              const trial = model.clone();
              trial.expire(now);
              const outcome = adjustCredits({
                actor,
                accountId: account.id,
                amount: command.amount,
                reason: 'model',
                idempotencyKey: unique('a'),
              });
              if (trial.spend(-command.amount)) {
                await expect(outcome).resolves.toMatchObject({
                  ledgerEntry: { amount: command.amount, balanceAfter: trial.balance },
                });
                model = trial;
              } else await expect(outcome).rejects.toBeInstanceOf(InsufficientCreditsError);
            } else {
              model.expire(now);
              await expireCreditGrants({ now: clock.now() });
            }
            await expectDatabaseToMatch(account.id, model);
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      restoreClock();
    }
  });
});
