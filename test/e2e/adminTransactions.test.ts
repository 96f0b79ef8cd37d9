import type { Browser, Page } from 'playwright-core';
import { createAccount, createPayment, createUser, TEST_PASSWORD, unique } from '../factories';
import { useWebApp } from '../web/support/webApp';
import { capture, collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * A platform admin in a real browser against the built app: finds an account's payment among every
 * account's by the account's name, opens a Stripe event to read its payload, and makes and opens the
 * revenue report of a month.
 */
const web = useWebApp({ source: 'build' });
let browser: Browser;
let admin: Page;
let pageErrors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  pageErrors = await collectPageErrors(admin, () => web.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

it('an admin searches payments by account name, reads an event’s payload and opens a revenue report', async () => {
  const tag = unique('e2e');
  const account = await createAccount({ name: `${tag} Initech` });
  const other = await createAccount({ name: `${tag} Hooli` });
  await createPayment({ accountId: account.id, description: 'Initech renewal', amount: 4200 });
  await createPayment({ accountId: other.id, description: 'Hooli renewal', amount: 9900 });
  const eventId = `evt_${tag.replace(/-/g, '_')}`;
  await web.knex('stripeEvents').insert({
    id: eventId,
    type: 'charge.refunded',
    payload: {
      id: eventId,
      type: 'charge.refunded',
      data: { object: { id: 'ch_123', amount_refunded: 4200 } },
    },
    status: 'processed',
    attempts: 1,
    accountId: account.id,
    stripeCreatedAt: new Date(),
    processedAt: new Date(),
  });
  const user = await createUser({ isPlatformAdmin: true });
  await admin.goto(`${web.url}/signin`);
  await admin.getByLabel('Email').fill(user.email);
  await admin.getByLabel('Password').fill(TEST_PASSWORD);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.waitForURL(`${web.url}/admin`);

  await admin.getByRole('link', { name: 'Payments' }).click();
  await admin.getByLabel('Search').fill(`${tag} initech`);
  await admin.getByRole('button', { name: 'Search' }).click();
  await admin.waitForURL(/\/admin\/payments\?q=/);
  const payments = admin.getByRole('table', { name: 'Payments, newest first' });
  await shows(payments, 'Initech renewal');
  await shows(payments, '$42.00');
  expect(await payments.getByText('Hooli renewal').count()).toBe(0);
  await capture(admin, 'admin-payments-search');
  await payments.getByRole('link', { name: `${tag} Initech` }).click();
  await admin.waitForURL(`${web.url}/admin/accounts/${account.id}`);

  await admin.getByRole('link', { name: 'Stripe events' }).click();
  await admin.getByRole('link', { name: 'charge.refunded' }).first().click();
  await admin.waitForURL(`${web.url}/admin/events/${eventId}`);
  await shows(admin.getByRole('heading', { name: 'charge.refunded' }));
  await shows(admin.getByLabel("The event's payload, as JSON"), '"amount_refunded": 4200');
  await capture(admin, 'admin-stripe-event');

  await admin.getByRole('link', { name: 'Revenue', exact: true }).click();
  await admin.getByRole('link', { name: 'Monthly reports' }).click();
  await admin.waitForURL(`${web.url}/admin/reports`);
  await admin.getByLabel('Month').fill('2026-01');
  await admin.getByRole('button', { name: 'Make the report' }).click();
  await admin.waitForURL(`${web.url}/admin/reports/2026-01`);
  await shows(admin.getByRole('heading', { name: 'Revenue report for January 2026' }));
  await capture(admin, 'admin-revenue-report');
  await admin.getByRole('link', { name: '← Revenue reports' }).click();
  await admin.getByRole('link', { name: 'January 2026' }).click();
  await admin.waitForURL(`${web.url}/admin/reports/2026-01`);
  expect(pageErrors).toEqual([]);
}, 120_000);
