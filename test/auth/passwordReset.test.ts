import type { Transporter } from 'nodemailer';
import { hashToken } from '../../server/auth/secrets';
import { consoleMailTransport } from '../../server/notifications/consoleMail';
import { sendPendingNotifications } from '../../server/notifications/delivery';
import { createUser } from '../factories';
import { useTestDatabase } from '../support/database';
import { deliverOutbox, linkIn, tokenOf } from '../support/mailbox';
import { startTestApp, type TestApp } from '../support/testApp';

/**
 * A reset link exists only in the email: the outbox row refers to the reset, the reset keeps the
 * token's hash, and the token is created as the message is sent.
 */
const db = useTestDatabase();
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

const requestReset = (email: string) =>
  app.graphql('mutation($email: String!) { requestPasswordReset(email: $email) }', { email });
const resetPassword = (token: string, password: string) =>
  app.graphql('mutation($input: ResetPasswordInput!) { resetPassword(input: $input) }', {
    input: { token, password },
  });
const SIGN_IN = 'mutation($input: SignInInput!) { signIn(input: $input) { user { email } } }';

/** Every row of the tables a reset touches, as text. */
async function storedRows(): Promise<string> {
  const tables = ['notifications', 'passwordResetTokens', 'auditLog', 'signInFailures'];
  const rows = await Promise.all(tables.map((table) => db.knex(table).select('*')));
  return JSON.stringify(rows);
}

describe('password reset links', () => {
  it('are stored nowhere: the queued row names the reset, and the sent row still holds no token', async () => {
    const user = await createUser();
    await requestReset(user.email);
    const queued = await db.knex('notifications').where({ recipient: user.email }).first();
    expect(queued).toMatchObject({ kind: 'auth.password_reset', passwordResetTokenId: expect.any(String) });
    expect(queued.bodyText).not.toMatch(/token=/);
    const reset = await db.knex('passwordResetTokens').where({ id: queued.passwordResetTokenId }).first();
    expect(reset.tokenHash).toBeNull();

    const [email] = (await deliverOutbox()).filter((sent) => sent.to === user.email);
    const token = tokenOf(linkIn(email, '/reset-password'));
    expect(token.length).toBeGreaterThan(30);
    expect(await storedRows()).not.toContain(token);
    expect((await db.knex('passwordResetTokens').where({ id: reset.id }).first()).tokenHash).toBe(
      hashToken(token),
    );

    expect((await resetPassword(token, 'a brand new password')).data).toEqual({ resetPassword: true });
    const signedIn = await app.graphql(SIGN_IN, {
      input: { email: user.email, password: 'a brand new password' },
    });
    expect(signedIn.data!.signIn.user.email).toBe(user.email);
    expect((await resetPassword(token, 'another new password')).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('get a new token when sending is tried again, and the token of the failed attempt never works', async () => {
    const user = await createUser();
    await requestReset(user.email);
    const attempted: string[] = [];
    const failing = {
      sendMail: async (message: { text: string }) => {
        attempted.push(message.text);
        throw new Error('the mail server is down');
      },
    } as unknown as Transporter;
    await sendPendingNotifications({ transport: failing, from: 'billing@test' });
    const failedToken = tokenOf(
      linkIn({ to: user.email, subject: '', text: attempted[0]! }, '/reset-password'),
    );

    await db
      .knex('notifications')
      .where({ recipient: user.email })
      .update({ sendAfter: new Date(0) });
    const [email] = (await deliverOutbox()).filter((sent) => sent.to === user.email);
    const token = tokenOf(linkIn(email, '/reset-password'));
    expect(token).not.toBe(failedToken);
    expect((await resetPassword(failedToken, 'a brand new password')).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await resetPassword(token, 'a brand new password')).data).toEqual({ resetPassword: true });
  });

  it('are not sent again once the reset was used', async () => {
    const user = await createUser();
    await requestReset(user.email);
    // The mail server took the message but answered with an error, so it is due to be sent again...
    const attempted: string[] = [];
    const flaky = {
      sendMail: async (message: { text: string }) => {
        attempted.push(message.text);
        throw new Error('connection reset after DATA');
      },
    } as unknown as Transporter;
    await sendPendingNotifications({ transport: flaky, from: 'billing@test' });
    // ...and meanwhile the person used the link it carried.
    const delivered = tokenOf(
      linkIn({ to: user.email, subject: '', text: attempted[0]! }, '/reset-password'),
    );
    expect((await resetPassword(delivered, 'a brand new password')).data).toEqual({ resetPassword: true });

    await db
      .knex('notifications')
      .where({ recipient: user.email })
      .update({ sendAfter: new Date(0) });
    expect((await deliverOutbox()).filter((sent) => sent.to === user.email)).toEqual([]);
    const row = await db.knex('notifications').where({ recipient: user.email }).first();
    expect(row).toMatchObject({ status: 'skipped', lastError: 'its one-time link is no longer needed' });
  });

  it('reach a developer without SMTP through the terminal, and only there', async () => {
    const user = await createUser();
    await requestReset(user.email);
    let printed = '';
    await sendPendingNotifications({
      transport: consoleMailTransport((text) => (printed += text)),
      from: 'billing@test',
    });
    expect(printed).toContain(`Email to ${user.email}: Reset your password`);
    const token = tokenOf(linkIn({ to: user.email, subject: '', text: printed }, '/reset-password'));
    expect(await storedRows()).not.toContain(token);
    expect((await resetPassword(token, 'a brand new password')).data).toEqual({ resetPassword: true });
  });
});
