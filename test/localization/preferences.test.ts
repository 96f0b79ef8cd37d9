import { AuditEntry } from '../../server/audit/AuditEntry';
import { Account } from '../../server/accounts/Account';
import { User } from '../../server/auth/User';
import { enqueueAccountNotification } from '../../server/notifications/outbox';
import {
  addMember,
  createAccount,
  createDemoCatalog,
  createMember,
  createPartnerKey,
  createUser,
  sessionCookieFor,
} from '../factories';
import { useTestDatabase } from '../support/database';
import { startTestApp, type TestApp } from '../support/testApp';

const db = useTestDatabase();
let app: TestApp;

beforeAll(async () => {
  await createDemoCatalog(db.knex);
  app = await startTestApp({ database: db.knex });
});
afterAll(() => app.close());

const PREFERENCES = `mutation($locale: String) {
  updateMyPreferences(input: { locale: $locale }) { locale user { id } }
}`;
const SETTINGS = `mutation($input: UpdateAccountSettingsInput!) {
  updateAccountSettings(input: $input) { id timeZone }
}`;

describe('a person chooses the language numbers, money and dates are written in', () => {
  it('stores the canonical tag, reads it back on the viewer, and clears it to follow the browser', async () => {
    const user = await createUser();
    const cookie = await sessionCookieFor(user);
    const set = await app.graphql(PREFERENCES, { locale: 'de-de' }, { cookie });
    expect(set.errors).toBeUndefined();
    expect(set.data!.updateMyPreferences).toEqual({ locale: 'de-DE', user: { id: user.id } });
    const read = await app.graphql('{ viewer { locale } }', {}, { cookie });
    expect(read.data!.viewer.locale).toBe('de-DE');

    const cleared = await app.graphql(PREFERENCES, { locale: null }, { cookie });
    expect(cleared.data!.updateMyPreferences.locale).toBeNull();
    expect((await User.query().findById(user.id))!.locale).toBeNull();
    const audited = await AuditEntry.query().where({ targetId: user.id, action: 'user.preferences_updated' });
    expect(audited.map((entry) => entry.details)).toEqual([{ locale: 'de-DE' }, { locale: null }]);
  });

  it.each([
    ['not a tag', 'German please'],
    ['a malformed tag', 'de--DE'],
    ['an over-long tag', `en-${'x'.repeat(40)}`],
    ['an empty tag', ''],
  ])('refuses %s with BAD_USER_INPUT on the field and changes nothing', async (_case, locale) => {
    const user = await createUser();
    await User.query().patchAndFetchById(user.id, { locale: 'fr-FR' });
    const cookie = await sessionCookieFor(user);
    const result = await app.graphql(PREFERENCES, { locale }, { cookie });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { locale: expect.stringMatching(/language|at most/) },
    });
    expect((await User.query().findById(user.id))!.locale).toBe('fr-FR');
  });

  it('is for people: visitors and API keys are refused', async () => {
    const visitor = await app.graphql(PREFERENCES, { locale: 'de-DE' });
    expect(visitor.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const key = await createPartnerKey({ scopes: ['accounts:write'] });
    const byKey = await app.graphql(PREFERENCES, { locale: 'de-DE' }, { apiKey: key.secret });
    expect(byKey.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe("an account's owners and admins choose the time zone its dates are shown in", () => {
  it('starts in UTC, takes an IANA name in its canonical spelling and is audited once', async () => {
    const { account, cookie } = await createMember({ role: 'admin' });
    const before = await app.graphql(
      'query($id: ID) { account(id: $id) { timeZone } }',
      { id: account.id },
      { cookie },
    );
    expect(before.data!.account.timeZone).toBe('UTC');

    const input = { accountId: account.id, timeZone: 'europe/berlin' };
    const set = await app.graphql(SETTINGS, { input }, { cookie });
    expect(set.errors).toBeUndefined();
    expect(set.data!.updateAccountSettings).toEqual({ id: account.id, timeZone: 'Europe/Berlin' });
    await app.graphql(SETTINGS, { input: { ...input, timeZone: 'Europe/Berlin' } }, { cookie });
    const audited = await AuditEntry.query().where({
      accountId: account.id,
      action: 'account.settings_updated',
    });
    expect(audited.map((entry) => entry.details)).toEqual([{ timeZone: 'Europe/Berlin' }]);
  });

  it.each([
    ['an unknown zone', 'Mars/Olympus_Mons'],
    ['an offset', '+01:00'],
    ['an empty name', ''],
    ['prose', 'Berlin time'],
  ])('refuses %s with BAD_USER_INPUT and changes nothing', async (_case, timeZone) => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const result = await app.graphql(SETTINGS, { input: { accountId: account.id, timeZone } }, { cookie });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { timeZone: expect.stringContaining('time zone') },
    });
    expect((await Account.query().findById(account.id))!.timeZone).toBe('UTC');
  });

  it('refuses members, and strangers do not learn the account exists', async () => {
    const account = await createAccount();
    const member = await createUser();
    await addMember({ accountId: account.id, user: member, role: 'member' });
    const input = { accountId: account.id, timeZone: 'Asia/Tokyo' };
    const byMember = await app.graphql(SETTINGS, { input }, { cookie: await sessionCookieFor(member) });
    expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const stranger = await createMember();
    const byStranger = await app.graphql(SETTINGS, { input }, { cookie: stranger.cookie });
    expect(byStranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await Account.query().findById(account.id))!.timeZone).toBe('UTC');
  });
});

describe("an account's owners and admins choose the language its emails are written in", () => {
  const EMAIL_LANGUAGE = `mutation($input: UpdateAccountSettingsInput!) {
    updateAccountSettings(input: $input) { id timeZone locale }
  }`;

  it('stores the canonical tag apart from the time zone, writes notices in it, and clears it back to English', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    await db.knex('accounts').where({ id: account.id }).update({ billingEmail: 'ap@sprache.test' });
    const set = await app.graphql(
      EMAIL_LANGUAGE,
      { input: { accountId: account.id, locale: 'de-at' } },
      { cookie },
    );
    expect(set.errors).toBeUndefined();
    // The time zone, left out, stays as it was.
    expect(set.data!.updateAccountSettings).toEqual({ id: account.id, timeZone: 'UTC', locale: 'de-AT' });

    await enqueueAccountNotification({
      accountId: account.id,
      notice: {
        kind: 'payment_failed',
        data: { planName: 'Pro', accessUntil: null, billingUrl: 'https://b.test' },
      },
    });
    const notice = await db.knex('notifications').where({ accountId: account.id }).first();
    expect(notice.subject).toBe('Ihre Zahlung ist fehlgeschlagen');

    const cleared = await app.graphql(
      EMAIL_LANGUAGE,
      { input: { accountId: account.id, locale: null } },
      { cookie },
    );
    expect(cleared.data!.updateAccountSettings.locale).toBeNull();
    const audited = await AuditEntry.query()
      .where({ accountId: account.id, action: 'account.settings_updated' })
      .orderBy('createdAt');
    expect(audited.map((entry) => entry.details)).toEqual([{ locale: 'de-AT' }, { locale: null }]);
  });

  it('refuses what is not a language, and members, changing nothing', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const bad = await app.graphql(
      EMAIL_LANGUAGE,
      { input: { accountId: account.id, locale: 'klingon!!' } },
      { cookie },
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { locale: expect.any(String) },
    });
    const member = await createUser();
    await addMember({ accountId: account.id, user: member, role: 'member' });
    const refused = await app.graphql(
      EMAIL_LANGUAGE,
      { input: { accountId: account.id, locale: 'de-DE' } },
      { cookie: await sessionCookieFor(member) },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await Account.query().findById(account.id))!.locale).toBeNull();
  });
});
