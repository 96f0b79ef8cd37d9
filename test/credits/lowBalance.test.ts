import { systemActor } from '../../server/auth/actor';
import { ManualClock, useClock } from '../../server/clock';
import { consumeCredits } from '../../server/credits/consumption';
import { formatCredits } from '../../server/credits/lowBalance';
import {
  createAccount,
  createDemoCatalog,
  createUser,
  grantTestCredits,
  sessionCookieFor,
  unique,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp } from '../support/testApp';

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

const spend = (accountId: string, amount: number) =>
  consumeCredits({ actor, accountId, idempotencyKey: unique('spend'), amount });
const notices = (accountId: string) =>
  db.knex('notifications').where({ accountId, kind: 'credits.low_balance' }).orderBy('createdAt');

describe('low-balance notices', () => {
  it('go out when a consumption takes the balance below 100 credits, at most once a day', async () => {
    const account = await createAccount({ billingEmail: 'ap@example.com' });
    await grantTestCredits({ accountId: account.id, amount: 150_000 });

    await spend(account.id, 40_000);
    expect(await notices(account.id)).toEqual([]);
    await spend(account.id, 20_000);
    expect(await notices(account.id)).toEqual([
      expect.objectContaining({ recipient: 'ap@example.com', subject: 'Your credit balance is low' }),
    ]);
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
    await db
      .knex('auto_top_up_settings')
      .insert({ accountId: account.id, threshold: 500_000, creditPackageId: creditPackage.id });
    await grantTestCredits({ accountId: account.id, amount: 600_000 });

    await spend(account.id, 50_000);
    expect(await notices(account.id)).toEqual([]);
    await spend(account.id, 50_001);
    expect(await notices(account.id)).toHaveLength(1);
    expect(
      (await db.knex('credit_balances').where({ accountId: account.id }).first()).lowBalanceNotifiedAt,
    ).toEqual(clock.now());
  });

  it('show credits exactly', () => {
    expect([0, 1500, 100_000, 1, 999_990].map(formatCredits)).toEqual(['0', '1.5', '100', '0.001', '999.99']);
  });
});

describe('whether the balance is low, as the API tells the dashboard', () => {
  const BALANCE = `query($id: ID) { account(id: $id) { creditBalance { milliCredits low lowBalanceThresholdMilliCredits } } }`;

  it('is low below the account’s threshold, and not for an account that never held credits', async () => {
    const app = await startTestApp({ database: db.knex });
    try {
      const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
      const balance = async (accountId: string) =>
        (await app.graphql(BALANCE, { id: accountId }, admin)).data!.account.creditBalance;
      const account = await createAccount();
      expect(await balance(account.id)).toEqual({
        milliCredits: 0,
        low: false,
        lowBalanceThresholdMilliCredits: 100_000,
      });

      await grantTestCredits({ accountId: account.id, amount: 60_000 });
      expect(await balance(account.id)).toEqual({
        milliCredits: 60_000,
        low: true,
        lowBalanceThresholdMilliCredits: 100_000,
      });

      const autoTopUp = await db.knex('credit_packages').where({ availableForAutoTopUp: true }).first();
      await db
        .knex('auto_top_up_settings')
        .insert({ accountId: account.id, enabled: true, threshold: 50_000, creditPackageId: autoTopUp.id });
      expect(await balance(account.id)).toEqual({
        milliCredits: 60_000,
        low: false,
        lowBalanceThresholdMilliCredits: 50_000,
      });
    } finally {
      await app.close();
    }
  });
});
