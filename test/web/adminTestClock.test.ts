import { createMember, createUser, sessionCookieFor } from '../factories';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * The admin console's Test clock card over HTTP: putting an account on a clock, moving it by the
 * buttons and to a date, what a refused move says (and that it moves nothing), and the banner the
 * account's owner then sees on every page.
 */
const web = useWebApp({ source: 'vite' });

const DAY_MS = 86_400_000;
let admin: string;
beforeAll(async () => {
  admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));
});

async function clockTime(accountId: string): Promise<Date | null> {
  return (await web.knex('accounts').where({ id: accountId }).first()).testClockTime as Date | null;
}

describe('the test clock card', () => {
  it('puts an account on a clock, moves it a day and to a date, and the owner sees its date', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const before = await html(await web.get(`/admin/accounts/${account.id}`, { cookie: admin }));
    expect(before).toContain('Put on a test clock');

    const attached = await web.post(
      `/admin/accounts/${account.id}`,
      { intent: 'attach-clock' },
      { cookie: admin },
    );
    expect(attached.headers.get('location')).toBe(`/admin/accounts/${account.id}?done=clock-attached`);
    const start = (await clockTime(account.id))!;
    const page = await html(await web.get(`/admin/accounts/${account.id}`, { cookie: admin }));
    expect(page).toContain('Simulated date:');

    const day = await web.post(
      `/admin/accounts/${account.id}`,
      { intent: 'advance-clock', step: 'day', date: '' },
      { cookie: admin },
    );
    expect(day.headers.get('location')).toBe(`/admin/accounts/${account.id}?done=clock-advanced`);
    expect(await clockTime(account.id)).toEqual(new Date(start.getTime() + DAY_MS));

    const target = new Date(start.getTime() + 40 * DAY_MS).toISOString().slice(0, 10);
    const toDate = await web.post(
      `/admin/accounts/${account.id}`,
      { intent: 'advance-clock', step: 'date', date: target },
      { cookie: admin },
    );
    expect(toDate.headers.get('location')).toBe(`/admin/accounts/${account.id}?done=clock-advanced`);
    const moved = (await clockTime(account.id))!;
    expect(moved.toISOString().slice(0, 10)).toBe(target);
    // The chosen day, at the clock's time of day.
    expect(moved.toISOString().slice(11)).toBe(start.toISOString().slice(11));

    const billing = await html(await web.get('/billing', { cookie }));
    expect(billing).toContain('Test clock: this account’s date is');
  });

  it('says what is wrong with a move, and moves nothing', async () => {
    const { account } = await createMember({ role: 'owner' });
    await web.post(`/admin/accounts/${account.id}`, { intent: 'attach-clock' }, { cookie: admin });
    const start = await clockTime(account.id);

    const noDate = await html(
      await web.post(
        `/admin/accounts/${account.id}`,
        { intent: 'advance-clock', step: 'date', date: '' },
        { cookie: admin },
      ),
    );
    expect(textOf(noDate, 'clock-date-error')).toBe('Enter a date such as 2027-03-01.');

    const backwards = await html(
      await web.post(
        `/admin/accounts/${account.id}`,
        { intent: 'advance-clock', step: 'date', date: '2020-01-01' },
        { cookie: admin },
      ),
    );
    expect(textOf(backwards, 'clock-date-error')).toMatch(/^must be after /);

    const unknownStep = await html(
      await web.post(
        `/admin/accounts/${account.id}`,
        { intent: 'advance-clock', step: 'century', date: '' },
        { cookie: admin },
      ),
    );
    expect(textOf(unknownStep, 'clock-date-error')).toBe('Choose how far to move the clock.');
    expect(await clockTime(account.id)).toEqual(start);
  });

  it('explains why an account that already has a Stripe customer stays in real time', async () => {
    const { account } = await createMember({ role: 'owner' });
    await web.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: 'cus_already' });
    const refused = await html(
      await web.post(`/admin/accounts/${account.id}`, { intent: 'attach-clock' }, { cookie: admin }),
    );
    expect(refused).toContain('This account already has a Stripe customer');
    expect(await clockTime(account.id)).toBeNull();
  });

  it('is not the customer’s to use', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const response = await web.post(`/admin/accounts/${account.id}`, { intent: 'attach-clock' }, { cookie });
    expect(response.status).toBe(403);
    expect(await clockTime(account.id)).toBeNull();
  });
});
