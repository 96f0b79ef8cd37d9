import { systemActor } from '../../server/auth/actor';
import { recordUsage } from '../../server/usage/recordUsage';
import {
  addMember,
  createAccount,
  createMember,
  createPayment,
  createUser,
  sessionCookieFor,
  unique,
} from '../factories';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The usage charts, the viewer's language and the account's time zone, and the pages for an address that
 * serves nothing or a page the viewer may not see, over HTTP as a browser without JavaScript uses them.
 */
const web = useWebApp({ source: 'vite' });

/** Intl separates with no-break spaces; compare as a reader sees them. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

const getWith = (path: string, headers: Record<string, string>) =>
  fetch(`${web.url}${path}`, { redirect: 'manual', headers });

async function use(accountId: string, meterKey: string, quantity: number) {
  const result = await recordUsage({
    actor: systemActor('test usage'),
    events: [{ accountId, meterKey, quantity, occurredAt: new Date(), idempotencyKey: unique('use') }],
  });
  expect(result).toMatchObject({ accepted: 1, errors: [] });
}

describe('the usage page', () => {
  it('draws one chart per meter used, titled with the meter and its unit, with the plan’s allowance', async () => {
    const { account, cookie } = await createMember({ role: 'member' });
    await use(account.id, 'api_calls', 120_000);
    await use(account.id, 'executions', 1);
    await use(account.id, 'storage_gb', 3);

    const page = plain(await html(await web.get('/billing/usage', { cookie })));
    const daily = page.slice(page.indexOf('Per day, last 30 days'), page.indexOf('Per month'));
    const monthly = page.slice(page.indexOf('Per month'));
    for (const section of [daily, monthly]) {
      expect(
        [...section.matchAll(/<figure class="meter-chart" data-meter="([\w]+)"/g)].map((m) => m[1]).sort(),
      ).toEqual(['api_calls', 'executions', 'storage_gb']);
      expect(section).toContain('<strong>API calls (calls)</strong>');
      expect(section).toContain('<strong>Workflow executions (executions)</strong>');
      expect(section).toContain('<strong>Storage (GB)</strong>');
    }
    // The default plan includes 1,000 API calls and 10,000 executions a period; storage has no allowance.
    expect(monthly).toContain('Included: 1,000 a period');
    expect(monthly).toContain('Included: 10,000 a period');
    expect(monthly.match(/Included:/g)).toHaveLength(2);
    // The numbers behind the charts, for screen readers and pages without JavaScript, grouped.
    expect(page).toContain('120,000');
    // The range form applies on change once JavaScript runs, and its button still works without.
    expect(page).toMatch(/<form method="get"[^>]*class="card filters"/);
    expect(page).toMatch(/<button type="submit" class="button">Show<\/button>/);
  });

  it('writes its numbers in the viewer’s language', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    await use(account.id, 'api_calls', 120_000);
    const page = plain(
      await html(await getWith('/billing/usage', { cookie, 'accept-language': 'de-DE,de;q=0.9' })),
    );
    expect(page).toContain('Included: 1.000 a period');
    expect(page).toContain('120.000');
    expect(page).toContain('<html lang="de-DE">');
  });

  it('sends visitors to sign in', async () => {
    const response = await web.get('/billing/usage?range=7d');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/signin?redirectTo=%2Fbilling%2Fusage%3Frange%3D7d');
  });
});

describe('money and dates in the viewer’s language and the account’s time zone', () => {
  it('follows the browser’s language, then the language the person chose', async () => {
    const { account, user, cookie } = await createMember({ role: 'owner' });
    await createPayment({
      accountId: account.id,
      amount: 123456,
      currency: 'usd',
      createdAt: new Date('2026-01-15T23:30:00Z'),
    });

    const german = plain(
      await html(await getWith('/billing/invoices', { cookie, 'accept-language': 'de-DE' })),
    );
    expect(german).toContain('1.234,56 $');
    expect(german).toContain('15. Jan. 2026');

    await web.knex('users').where({ id: user.id }).update({ locale: 'en-GB' });
    await web.knex('accounts').where({ id: account.id }).update({ timeZone: 'Asia/Tokyo' });
    const chosen = plain(
      await html(await getWith('/billing/invoices', { cookie, 'accept-language': 'de-DE' })),
    );
    expect(chosen).toContain('US$1,234.56');
    // 23:30 UTC is the next morning in Tokyo.
    expect(chosen).toContain('16 Jan 2026');
    expect(chosen).toContain('<html lang="en-GB">');
  });
});

describe('the preferences page', () => {
  it('saves a person’s language, which then writes their pages', async () => {
    const { cookie } = await createMember({ role: 'member' });
    const form = await html(await web.get('/settings/preferences', { cookie }));
    expect(form).toMatch(/<option value="" selected="">Browser default<\/option>/);
    // A member sees the account's time zone but cannot change it.
    expect(form).not.toContain('name="timeZone"');
    expect(form).toContain('Dates and times are shown in <strong>UTC</strong>');

    const saved = plain(
      await html(
        await web.post('/settings/preferences', { intent: 'language', locale: 'de-DE' }, { cookie }),
      ),
    );
    expect(saved).toContain('Your language is saved.');
    expect(saved).toContain('<html lang="de-DE">');
  });

  it('explains a language it cannot write in, and keeps the one chosen before', async () => {
    const { user, cookie } = await createMember({ role: 'member' });
    await web.knex('users').where({ id: user.id }).update({ locale: 'fr-FR' });
    const refused = await html(
      await web.post('/settings/preferences', { intent: 'language', locale: 'klingon' }, { cookie }),
    );
    expect(textOf(refused, 'field-locale-error')).toBe(
      'is not a language we can show, such as en-US or de-DE',
    );
    expect((await web.knex('users').where({ id: user.id }).first()).locale).toBe('fr-FR');
  });

  it('lets owners and admins set the account’s time zone, and explains a bad one', async () => {
    const { account, cookie } = await createMember({ role: 'admin' });
    const saved = await html(
      await web.post('/settings/preferences', { intent: 'time-zone', timeZone: 'Europe/Berlin' }, { cookie }),
    );
    expect(saved).toContain('The account’s time zone is saved.');
    expect((await web.knex('accounts').where({ id: account.id }).first()).timeZone).toBe('Europe/Berlin');

    const refused = await html(
      await web.post('/settings/preferences', { intent: 'time-zone', timeZone: 'Mars/Base' }, { cookie }),
    );
    expect(textOf(refused, 'field-timeZone-error')).toBe('is not a time zone, such as UTC or Europe/Berlin');
    expect((await web.knex('accounts').where({ id: account.id }).first()).timeZone).toBe('Europe/Berlin');
  });

  it('refuses the time zone to a member who posts it anyway', async () => {
    const account = await createAccount();
    const member = await createUser();
    await addMember({ accountId: account.id, user: member, role: 'member' });
    const refused = await html(
      await web.post(
        '/settings/preferences',
        { intent: 'time-zone', timeZone: 'Asia/Tokyo' },
        { cookie: await sessionCookieFor(member) },
      ),
    );
    expect(refused).toContain('role="alert">Your role (member) does not allow account.manage.</div>');
    expect((await web.knex('accounts').where({ id: account.id }).first()).timeZone).toBe('UTC');
  });
});

describe('pages that are not there, or not for the viewer', () => {
  it('answers an unknown address with 404 and “Page not found” in the signed-in header', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    const response = await web.get('/no/such/page', { cookie });
    expect(response.status).toBe(404);
    const page = await html(response);
    expect(page).toContain('<h1>Page not found</h1>');
    expect(page).toContain('There is nothing at this address.');
    expect(page).not.toContain('Error:');
    expect(page).toContain('Sign out');
    expect(page).toContain('href="/billing/usage"');
    expect(page).toContain('Go to your billing');
  });

  it('gives a visitor the same page in the visitor’s header', async () => {
    const response = await web.get('/no/such/page');
    expect(response.status).toBe(404);
    const page = await html(response);
    expect(page).toContain('<h1>Page not found</h1>');
    expect(page).not.toContain('Error:');
    expect(page).not.toContain('Sign out');
    expect(page).toContain('href="/signin"');
    expect(page).toContain('Go to the start page');
  });

  it('answers a page the viewer may not see with 403 and “Not allowed” in the signed-in header', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    const response = await web.get('/admin', { cookie });
    expect(response.status).toBe(403);
    const page = await html(response);
    expect(page).toContain('<h1>Not allowed</h1>');
    expect(page).toContain('The admin console is for platform admins.');
    expect(page).toContain('Sign out');
    expect(page).toContain('Go to your billing');
  });
});
