import { enqueueAccountNotification } from '../../server/notifications/outbox';
import { createAccount, createMember, createUser, sessionCookieFor } from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

describe('the notifications outbox for admins', () => {
  it('lists queued notices newest first, filtered by status and account, once per dedupe key', async () => {
    const account = await createAccount({ billingEmail: 'ap@customer.test' });
    for (const subject of ['first', 'second', 'second']) {
      await enqueueAccountNotification({
        accountId: account.id,
        notice: { kind: 'plan_changed', data: { planName: subject, billingUrl: 'http://billing.test' } },
        dedupeKey: `test:${subject}`,
      });
    }
    await db
      .knex('notifications')
      .where({ accountId: account.id, subject: 'Your plan is now first' })
      .update({ status: 'sent', sentAt: new Date() });
    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const all = await app.graphql(
      'query($id: ID) { notifications(accountId: $id) { edges { node { subject recipient status kind } } } }',
      { id: account.id },
      admin,
    );
    expect(all.data!.notifications.edges.map((edge: any) => edge.node)).toEqual([
      {
        subject: 'Your plan is now second',
        recipient: 'ap@customer.test',
        status: 'PENDING',
        kind: 'plan_changed',
      },
      {
        subject: 'Your plan is now first',
        recipient: 'ap@customer.test',
        status: 'SENT',
        kind: 'plan_changed',
      },
    ]);
    const sent = await app.graphql(
      'query($id: ID) { notifications(accountId: $id, status: SENT) { edges { node { subject } } } }',
      { id: account.id },
      admin,
    );
    expect(sent.data!.notifications.edges).toEqual([{ node: { subject: 'Your plan is now first' } }]);
    const { cookie } = await createMember({ role: 'owner' });
    expect(
      (await app.graphql('{ notifications { edges { node { id } } } }', {}, { cookie })).errors?.[0]
        ?.extensions.code,
    ).toBe('FORBIDDEN');
  });

  it('hides the one-time link of a password reset from admins', async () => {
    const user = await createUser();
    await app.graphql('mutation($email: String!) { requestPasswordReset(email: $email) }', {
      email: user.email,
    });
    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const { data } = await app.graphql(
      '{ notifications { edges { node { kind recipient bodyText } } } }',
      {},
      admin,
    );
    const reset = data!.notifications.edges
      .map((edge: any) => edge.node)
      .find((node: any) => node.recipient === user.email);
    expect(reset).toMatchObject({ kind: 'auth.password_reset', bodyText: expect.stringContaining('hidden') });
    const stored = await db.knex('notifications').where({ recipient: user.email }).first();
    expect(stored.bodyText).not.toContain('token=');
    expect(reset.bodyText).not.toContain('token=');
  });
});
