import { describeActor, systemActor } from '../../server/auth/actor';
import { ConsumptionBatcher } from '../../server/credits/consumptionBatcher';
import { createDatabase, type Database } from '../../server/db/knex';
import { InsufficientCreditsError } from '../../server/errors';
import { createAccount, grantTestCredits } from '../factories';
import { useTestDatabase } from '../support/database';

/**
 * Several batchers, each with its own connection pool, stand for several server processes: only the
 * balance row lock keeps them exact.
 */
const db = useTestDatabase();
const PROCESSES = 8;
const pools: Database[] = [];
let batchers: ConsumptionBatcher[] = [];
const actor = describeActor(systemActor('concurrency test'));

beforeAll(() => {
  for (let index = 0; index < PROCESSES; index += 1)
    pools.push(createDatabase({ connectionString: db.connectionString, poolMax: 4 }));
  batchers = pools.map((knex) => new ConsumptionBatcher({ knex }));
});
afterAll(() => Promise.all(pools.map((pool) => pool.destroy())));

const consumption = (accountId: string, idempotencyKey: string, amount: number) => ({
  accountId,
  idempotencyKey,
  amount,
  meter: null,
  quantity: null,
  description: null,
  actor,
});

async function ledgerOf(accountId: string) {
  const entries = await db.knex('credit_ledger_entries').where({ accountId }).orderBy('id');
  const { balance } = await db.knex('credit_balances').where({ accountId }).first();
  return { entries, balance };
}

describe('concurrent consumptions of one account', () => {
  it('let exactly as many through as the balance pays for, never below zero, with a ledger that sums to the balance', async () => {
    const account = await createAccount();
    await grantTestCredits({ accountId: account.id, amount: 1_000_000 });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 5000 }, (_, index) =>
        batchers[index % PROCESSES]!.consume(consumption(account.id, `c-${index}`, 1000)),
      ),
    );

    const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const rejected = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(fulfilled).toHaveLength(1000);
    expect(rejected).toHaveLength(4000);
    expect(
      rejected.every(
        (error) =>
          error instanceof InsufficientCreditsError && error.required === 1000 && error.balance < 1000,
      ),
    ).toBe(true);

    const { entries, balance } = await ledgerOf(account.id);
    expect(balance).toBe(0);
    expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
    // In id order, every entry's balance is the previous one plus its amount: one exact chain.
    entries.reduce((previous, entry) => {
      expect(entry.balanceAfter).toBe(previous + entry.amount);
      expect(entry.balanceAfter).toBeGreaterThanOrEqual(0);
      return entry.balanceAfter;
    }, 0);
    expect(entries.filter((entry) => entry.entryType === 'consumption')).toHaveLength(1000);
    const { count } = (await db
      .knex('credit_allocations')
      .where({ accountId: account.id })
      .count('* as count')
      .first()) as { count: number };
    expect(count).toBe(1000);
  });

  it('answer repeated keys, even within one batch, with the one result', async () => {
    const account = await createAccount();
    await grantTestCredits({ accountId: account.id, amount: 100_000 });
    const requests = Array.from({ length: 200 }, (_, index) =>
      consumption(account.id, `k-${index % 50}`, 1500),
    );

    const results = await Promise.all(
      requests.map((request, index) => batchers[index % 2]!.consume(request)),
    );

    const byKey = new Map<string, typeof results>();
    results.forEach((result, index) =>
      byKey.set(requests[index]!.idempotencyKey, [
        ...(byKey.get(requests[index]!.idempotencyKey) ?? []),
        result,
      ]),
    );
    for (const sameKey of byKey.values()) {
      expect(sameKey.filter((result) => !result.replayed)).toHaveLength(1);
      expect(new Set(sameKey.map((result) => result.ledgerEntry?.id)).size).toBe(1);
      expect(new Set(sameKey.map((result) => result.balanceAfter)).size).toBe(1);
    }
    const { entries, balance } = await ledgerOf(account.id);
    expect(entries.filter((entry) => entry.entryType === 'consumption')).toHaveLength(50);
    expect(balance).toBe(100_000 - 50 * 1500);
  });

  it('group callers that come back together into one transaction, rather than letting one go first alone', async () => {
    const account = await createAccount();
    await grantTestCredits({ accountId: account.id, amount: 1_000_000 });
    const pool = createDatabase({ connectionString: db.connectionString, poolMax: 4 });
    let transactions = 0;
    pool.on('query', (query: { sql: string }) => {
      if (/^begin/i.test(query.sql)) transactions += 1;
    });
    const batcher = new ConsumptionBatcher({ knex: pool });
    const CLIENTS = 16;
    const ROUNDS = 10;
    try {
      // Each client asks again as soon as it is answered, as a partner's workers do.
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          for (let round = 0; round < ROUNDS; round += 1)
            await batcher.consume(consumption(account.id, `loop-${client}-${round}`, 1000));
        }),
      );
    } finally {
      await pool.destroy();
    }
    expect(transactions).toBe(ROUNDS);
    expect((await ledgerOf(account.id)).balance).toBe(1_000_000 - CLIENTS * ROUNDS * 1000);
  });
});
