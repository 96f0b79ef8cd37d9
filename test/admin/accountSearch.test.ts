import { createAccount, createDemoCatalog, createUser, sessionCookieFor, unique } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

/** The admin console's account list: "who is past due?", and who is not. */
const db = useTestDatabase();
let app: TestApp;
let admin: { cookie: string };

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
});
afterAll(() => app.close());

const SEARCH = `query($search: String, $status: SubscriptionStatus, $pastDue: Boolean) {
  adminAccounts(search: $search, status: $status, pastDue: $pastDue) { totalCount edges { node { name } } }
}`;

describe('searching accounts', () => {
  it('finds the past due, and with pastDue false everyone else', async () => {
    const tag = unique('search');
    const [late, fine] = [
      await createAccount({ name: `${tag} late` }),
      await createAccount({ name: `${tag} fine` }),
    ];
    await db.knex('subscriptions').where({ accountId: late.id }).update({ status: 'past_due' });
    const names = async (variables: Record<string, unknown>) => {
      const { data, errors } = await app.graphql(SEARCH, { search: tag, ...variables }, admin);
      expect(errors).toBeUndefined();
      return data!.adminAccounts.edges.map((edge: { node: { name: string } }) => edge.node.name).sort();
    };
    expect(await names({})).toEqual([fine.name, late.name].sort());
    expect(await names({ pastDue: true })).toEqual([late.name]);
    expect(await names({ pastDue: false })).toEqual([fine.name]);
    expect(await names({ status: 'PAST_DUE' })).toEqual([late.name]);
  });

  it('refuses a status no current subscription can have, rather than answering that nobody has it', async () => {
    const { errors } = await app.graphql(SEARCH, { status: 'CANCELED' }, admin);
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { status: expect.stringContaining('never the status of a current subscription') },
    });
  });
});
