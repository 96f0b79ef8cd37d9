import { systemActor } from '../../server/auth/actor';
import { ManualClock, useClock } from '../../server/clock';
import { consumeCredits } from '../../server/credits/consumption';
import { formatCredits } from '../../server/credits/lowBalance';
import { createAccount, createDemoCatalog, grantTestCredits, unique } from '../factories';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();
const actor = systemActor('low balance test');
const HOUR = 3_600_000;
let clock: ManualClock;
let restoreClock: () => void;

beforeAll(() => createDemoCatalog(db.knex));
beforeEach(() => {
  clock = new ManualClock(new Date());
  restoreClock = useClock(clock);
});
afterEach(() => restoreClock());

const spend = (accountId: string, amount: number) => consumeCredits({ actor, accountId, idempotencyKey: unique('spend'), amount });
const notices = (accountId: string) => db.knex('notifications').where({ accountId, kind: 'credits.low_balance' }).orderBy('createdAt');

describe('low-balance notices', () => {
  it('go out when a consumption takes the balance below 100 credits, at most once a day', async () => {
    const account = await createAccount({ billingEmail: 'ap@example.com' });
    await grantTestCredits({ accountId: account.id, amount: 150_000 });

    await spend(account.id, 40_000);
    expect(await notices(account.id)).toEqual([]);
    await spend(account.id, 20_000);
    expect(await notices(account.id)).toEqual([expect.objectContaining({ recipient: 'ap@example.com', subject: 'Your credit balance is low' })]);
    expect((await notices(account.id))[0].bodyText).toContain('90 credits, below 100');

    clock.advance(23 * HOUR);
    await spend(account.id, 10_000);
    expect(await notices(account.id)).toHaveLength(1);
    clock.advance(HOUR);
    await spend(account.id, 10_000);
    expect(await notices(account.id)).toHaveLength(2);
  });

  it('use the threshold of the account’s automatic top-up when it has one', async () => {
    const account = await createAccount({ billingEmail: 'ap@example.com' });
    const creditPackage = await db.knex('credit_packages').where({ key: 'auto_top_up_500' }).first();
    await db.knex('auto_top_up_settings').insert({ accountId: account.id, threshold: 500_000, creditPackageId: creditPackage.id });
    await grantTestCredits({ accountId: account.id, amount: 600_000 });

    await spend(account.id, 50_000);
    expect(await notices(account.id)).toEqual([]);
    await spend(account.id, 50_001);
    expect(await notices(account.id)).toHaveLength(1);
    expect((await db.knex('credit_balances').where({ accountId: account.id }).first()).lowBalanceNotifiedAt).toEqual(clock.now());
  });

  it('show credits exactly', () => {
    expect([0, 1500, 100_000, 1, 999_990].map(formatCredits)).toEqual(['0', '1.5', '100', '0.001', '999.99']);
  });
});
