import { randomUUID } from 'node:crypto';
import { describeActor, systemActor } from '../../server/auth/actor';
import type { ConsumptionRequest, CreditConsumptionResult } from '../../server/credits/consumptionBatch';
import { ConsumptionBatcher } from '../../server/credits/consumptionBatcher';
import { createDatabase, type Database } from '../../server/db/knex';
import { ConflictError, InsufficientCreditsError, NotFoundError } from '../../server/errors';
import { failAt, holdAt, InjectedFault } from '../../server/faultPoints';
import { createAccount, grantTestCredits } from '../factories';
import { useTestDatabase } from '../support/database';

/**
 * Group commit (docs/decisions/050-group-commit-across-accounts.md): consumptions of different accounts
 * that arrive together share one transaction. Each batcher has a pool of its own and stands for one
 * server process.
 */
const db = useTestDatabase();
const actor = describeActor(systemActor('group commit test'));
const pools: Database[] = [];
afterAll(() => Promise.all(pools.map((pool) => pool.destroy())));

interface Process {
  batcher: ConsumptionBatcher;
  /** Transactions begun so far. */
  transactions: () => number;
  /** The SQLSTATE of every statement the database refused (40P01 for a deadlock). */
  queryErrors: string[];
}

function startProcess(): Process {
  const pool = createDatabase({ connectionString: db.connectionString, poolMax: 4 });
  pools.push(pool);
  let transactions = 0;
  const queryErrors: string[] = [];
  pool.on('query', (query: { sql: string }) => {
    if (/^begin/i.test(query.sql)) transactions += 1;
  });
  pool.on('query-error', (error: { code?: string; message: string }) =>
    queryErrors.push(error.code ?? error.message),
  );
  return { batcher: new ConsumptionBatcher({ knex: pool }), transactions: () => transactions, queryErrors };
}

const consumption = (
  accountId: string,
  idempotencyKey: string,
  amount: number,
  description: string | null = null,
): ConsumptionRequest => ({
  accountId,
  idempotencyKey,
  amount,
  meter: null,
  quantity: null,
  description,
  actor,
});

async function fundedAccounts(fundings: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const amount of fundings) {
    const account = await createAccount();
    if (amount > 0) await grantTestCredits({ accountId: account.id, amount });
    ids.push(account.id);
  }
  return ids;
}

/**
 * Checks one account's books: the balance equals the ledger's sum and the grants' remainders, every
 * entry's balance is the previous one plus its amount and never below zero. Returns the balance and the
 * consumption entries.
 */
async function exactBooksOf(accountId: string) {
  const entries = await db.knex('credit_ledger_entries').where({ accountId }).orderBy('id');
  const { balance } = await db.knex('credit_balances').where({ accountId }).first();
  const grants = await db.knex('credit_grants').where({ accountId });
  expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
  expect(grants.reduce((sum, grant) => sum + grant.remaining, 0)).toBe(balance);
  entries.reduce((previous, entry) => {
    expect(entry.balanceAfter).toBe(previous + entry.amount);
    expect(entry.balanceAfter).toBeGreaterThanOrEqual(0);
    return entry.balanceAfter;
  }, 0);
  return { balance, consumptions: entries.filter((entry) => entry.entryType === 'consumption') };
}

describe('consumptions of many accounts arriving together', () => {
  it('share one transaction, and each is answered with its own result or its own error', async () => {
    // 0 to 3 credits each; every account asks for three.
    const fundings = Array.from({ length: 30 }, (_, index) => (index % 4) * 1000);
    const accounts = await fundedAccounts(fundings);
    const unknownAccount = randomUUID();
    const process = startProcess();
    const requests = [
      ...[0, 1, 2].flatMap((round) =>
        accounts.map((accountId, index) => consumption(accountId, `c-${index}-${round}`, 1000)),
      ),
      consumption(unknownAccount, 'c-unknown', 1000),
    ];

    const outcomes = await Promise.allSettled(requests.map((request) => process.batcher.consume(request)));

    expect(process.transactions()).toBe(1);
    requests.forEach((request, index) => {
      const outcome = outcomes[index]!;
      if (request.accountId === unknownAccount) {
        expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(NotFoundError);
        return;
      }
      const funding = fundings[accounts.indexOf(request.accountId)]!;
      const round = Number(request.idempotencyKey.split('-')[2]);
      if (round < funding / 1000)
        expect(outcome).toMatchObject({
          status: 'fulfilled',
          value: { amount: 1000, balanceAfter: funding - (round + 1) * 1000, replayed: false },
        });
      else expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(InsufficientCreditsError);
    });
    for (const [index, accountId] of accounts.entries()) {
      const books = await exactBooksOf(accountId);
      expect(books.balance).toBe(0);
      expect(books.consumptions).toHaveLength(fundings[index]! / 1000);
    }
  });
});

describe('idempotency keys in a group', () => {
  it('answer a key repeated within one group with the first result, on its own account only', async () => {
    const [first, second] = await fundedAccounts([10_000, 10_000]);
    const { batcher } = startProcess();
    const requests = [
      consumption(first!, 'k-1', 1000),
      consumption(first!, 'k-1', 1000),
      // The same key on another account is another consumption.
      consumption(second!, 'k-1', 1000),
      // The same key with another amount is another request: refused.
      consumption(first!, 'k-1', 2000),
      consumption(first!, 'k-2', 1000),
    ];

    const outcomes = await Promise.allSettled(requests.map((request) => batcher.consume(request)));

    const results = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null));
    expect(results[0]).toMatchObject({ replayed: false, balanceAfter: 9000 });
    expect(results[1]).toMatchObject({ replayed: true, balanceAfter: 9000 });
    expect(results[1]!.ledgerEntry!.id).toBe(results[0]!.ledgerEntry!.id);
    expect(results[2]).toMatchObject({ replayed: false, balanceAfter: 9000 });
    expect(outcomes[3]!.status === 'rejected' && outcomes[3]!.reason).toBeInstanceOf(ConflictError);
    expect(results[4]).toMatchObject({ replayed: false, balanceAfter: 8000 });
    expect((await exactBooksOf(first!)).consumptions).toHaveLength(2);
    expect((await exactBooksOf(second!)).consumptions).toHaveLength(1);
  });

  it('answer a key retried in a later group, by this process or another, with the first result', async () => {
    const accounts = await fundedAccounts(Array.from({ length: 10 }, () => 5000));
    const [one, other] = [startProcess(), startProcess()];
    const requests = accounts.flatMap((accountId) => [
      consumption(accountId, 'first', 1000),
      consumption(accountId, 'second', 1500),
    ]);

    const firstResults = await Promise.all(requests.map((request) => one.batcher.consume(request)));
    // The same keys again, from both processes at once.
    const retried = await Promise.all(
      [one, other].flatMap(({ batcher }) => requests.map((request) => batcher.consume(request))),
    );

    expect(firstResults.every((result) => !result.replayed)).toBe(true);
    expect(retried.every((result) => result.replayed)).toBe(true);
    retried.forEach((result, index) => {
      const first = firstResults[index % requests.length]!;
      expect(result.ledgerEntry!.id).toBe(first.ledgerEntry!.id);
      expect(result.balanceAfter).toBe(first.balanceAfter);
    });
    for (const accountId of accounts) {
      const books = await exactBooksOf(accountId);
      expect(books.balance).toBe(2500);
      expect(books.consumptions).toHaveLength(2);
    }
  });

  it('apply a key sent to two processes at the same moment once', async () => {
    const accounts = await fundedAccounts(Array.from({ length: 10 }, () => 5000));
    const processes = [startProcess(), startProcess()];
    const requests = accounts.map((accountId) => consumption(accountId, 'together', 1000));

    const results = await Promise.all(
      processes.flatMap(({ batcher }) => requests.map((request) => batcher.consume(request))),
    );

    for (const [index, accountId] of accounts.entries()) {
      const [fromOne, fromOther] = [results[index]!, results[index + accounts.length]!];
      expect([fromOne.replayed, fromOther.replayed].sort()).toEqual([false, true]);
      expect(fromOne.ledgerEntry!.id).toBe(fromOther.ledgerEntry!.id);
      expect((await exactBooksOf(accountId)).consumptions).toHaveLength(1);
    }
  });
});

describe('processes consuming from overlapping accounts', () => {
  it('wait for each other without deadlocking, and the books are exact', async () => {
    const ACCOUNTS = 40;
    const FUNDING = 50_000;
    const accounts = await fundedAccounts(Array.from({ length: ACCOUNTS }, () => FUNDING));
    const processes = [startProcess(), startProcess(), startProcess()];
    const CLIENTS = 16;
    const ROUNDS = 25;
    const charged = new Map(accounts.map((accountId) => [accountId, 0]));
    let refused = 0;

    // Every process's clients walk the accounts in another order, so that each group holds accounts in
    // an order of arrival unlike the other processes' groups: only the lock order keeps them apart.
    await Promise.all(
      processes.flatMap(({ batcher }, process) =>
        Array.from({ length: CLIENTS }, async (_, client) => {
          for (let round = 0; round < ROUNDS; round += 1) {
            const position = (client * 7 + round * (process + 1) * 3) % ACCOUNTS;
            const accountId = accounts[process % 2 === 0 ? position : ACCOUNTS - 1 - position]!;
            const amount = 1000 + ((client + round) % 3) * 1000;
            try {
              const result = await batcher.consume(
                consumption(accountId, `p${process}-c${client}-r${round}`, amount),
              );
              charged.set(accountId, charged.get(accountId)! + result.amount);
            } catch (error) {
              expect(error).toBeInstanceOf(InsufficientCreditsError);
              refused += 1;
            }
          }
        }),
      ),
    );

    // A deadlock would have been retried away by the fallback: the database's refusals tell.
    expect(processes.flatMap((process) => process.queryErrors)).toEqual([]);
    // Three processes asked for more than the accounts held, so some were refused.
    expect(refused).toBeGreaterThan(0);
    for (const accountId of accounts) {
      const books = await exactBooksOf(accountId);
      expect(books.balance).toBe(FUNDING - charged.get(accountId)!);
      expect(-books.consumptions.reduce((sum, entry) => sum + entry.amount, 0)).toBe(charged.get(accountId));
    }
  });
});

describe('a failure in the middle of a group', () => {
  it('is retried without the consumption that broke the transaction: only that one fails', async () => {
    const accounts = await fundedAccounts(Array.from({ length: 6 }, () => 10_000));
    const { batcher } = startProcess();
    // Postgres refuses a NUL character in text: this one breaks the statement that writes the group.
    const culprit = consumption(accounts[2]!, 'culprit', 1000, 'broken \u0000 description');
    const requests = accounts.flatMap((accountId, index) => [
      consumption(accountId, 'innocent-1', 1000),
      index === 2 ? culprit : consumption(accountId, 'innocent-2', 2000),
    ]);

    const outcomes = await Promise.allSettled(requests.map((request) => batcher.consume(request)));

    requests.forEach((request, index) => {
      if (request === culprit) expect(outcomes[index]!.status).toBe('rejected');
      else expect(outcomes[index]!.status).toBe('fulfilled');
    });
    for (const [index, accountId] of accounts.entries()) {
      const books = await exactBooksOf(accountId);
      expect(books.consumptions.map((entry) => entry.idempotencyKey)).toEqual(
        index === 2 ? ['consumption:innocent-1'] : ['consumption:innocent-1', 'consumption:innocent-2'],
      );
      expect(books.balance).toBe(index === 2 ? 9000 : 7000);
    }
  });

  it('that fails the whole transaction before its commit leaves nothing behind, and each is then applied once', async () => {
    const accounts = await fundedAccounts(Array.from({ length: 10 }, () => 10_000));
    const process = startProcess();
    const requests = accounts.flatMap((accountId) => [
      consumption(accountId, 'a', 1000),
      consumption(accountId, 'b', 2000),
    ]);
    failAt('consumption.beforeCommit');

    const results = await Promise.all(requests.map((request) => process.batcher.consume(request)));

    // The group, rolled back at the fault, then each account's consumptions on their own.
    expect(process.transactions()).toBe(1 + accounts.length);
    expect(results.every((result) => !result.replayed)).toBe(true);
    for (const accountId of accounts) {
      const books = await exactBooksOf(accountId);
      expect(books.consumptions).toHaveLength(2);
      expect(books.balance).toBe(7000);
    }
  });

  it('of a consumption alone answers it with the failure and writes nothing', async () => {
    const [accountId] = await fundedAccounts([10_000]);
    const { batcher } = startProcess();
    failAt('consumption.beforeCommit');

    await expect(batcher.consume(consumption(accountId!, 'alone', 1000))).rejects.toBeInstanceOf(
      InjectedFault,
    );

    const books = await exactBooksOf(accountId!);
    expect(books.consumptions).toHaveLength(0);
    expect(books.balance).toBe(10_000);
  });
});

it('answers callers only once the transaction holding their consumptions has committed', async () => {
  const accounts = await fundedAccounts(Array.from({ length: 5 }, () => 10_000));
  const { batcher } = startProcess();
  const held = holdAt('consumption.beforeCommit');
  const answered: CreditConsumptionResult[] = [];

  const pending = accounts.map((accountId) =>
    batcher.consume(consumption(accountId, 'held', 1000)).then((result) => answered.push(result)),
  );
  await held.reached;
  // Written, not committed: no caller has an answer and no one else sees an entry.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(answered).toHaveLength(0);
  expect(
    await db.knex('credit_ledger_entries').whereIn('accountId', accounts).where({ entryType: 'consumption' }),
  ).toHaveLength(0);
  held.release();
  await Promise.all(pending);

  expect(answered).toHaveLength(5);
  for (const accountId of accounts) expect((await exactBooksOf(accountId)).balance).toBe(9000);
});

it('keeps other accounts going while one account’s transaction waits, and that account’s next consumptions in order behind it', async () => {
  const [slow, other] = await fundedAccounts([10_000, 10_000]);
  const { batcher } = startProcess();
  const held = holdAt('consumption.beforeCommit');
  const answered: string[] = [];
  const consume = (accountId: string, key: string) =>
    batcher.consume(consumption(accountId, key, 1000)).then((result) => {
      answered.push(key);
      return result;
    });

  const first = consume(slow!, 'slow-1');
  await held.reached;
  const behind = consume(slow!, 'slow-2');
  // Another account's consumption goes into a transaction of its own and is answered meanwhile.
  expect((await consume(other!, 'other-1')).balanceAfter).toBe(9000);
  expect(answered).toEqual(['other-1']);
  held.release();

  expect((await first).balanceAfter).toBe(9000);
  expect((await behind).balanceAfter).toBe(8000);
  expect(answered).toEqual(['other-1', 'slow-1', 'slow-2']);
});
