import type { Browser, Page } from 'playwright-core';
import { createUser, TEST_PASSWORD, unique } from '../factories';
import { useWebApp } from '../web/support/webApp';
import { collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * A platform admin writes a new plan in the catalog's editor, in a real browser against the built app:
 * the price they first give is refused next to its field, they correct it, publish the draft, and find
 * the plan on the pricing page. Then a credit package, and a meter, written the same way.
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

it('an admin drafts a plan, corrects a refused price, publishes it and sees it on the pricing page', async () => {
  const user = await createUser({ isPlatformAdmin: true });
  await admin.goto(`${web.url}/signin`);
  await admin.getByLabel('Email').fill(user.email);
  await admin.getByLabel('Password').fill(TEST_PASSWORD);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.waitForURL(`${web.url}/admin`);

  await admin.getByRole('link', { name: 'Catalog', exact: true }).click();
  await admin.getByRole('link', { name: 'New plan' }).click();
  const key = unique('atelier').toLowerCase();
  await admin.getByLabel('Key', { exact: true }).fill(key);
  await admin.getByLabel('Name', { exact: true }).fill('Atelier');
  await admin.getByLabel('Tier', { exact: true }).fill(key);
  await admin.getByLabel('Tier rank', { exact: true }).fill('45');
  await admin.getByLabel('Price', { exact: true }).fill('0');
  await admin.getByLabel('Features', { exact: true }).fill('api_access');
  await admin.getByRole('button', { name: 'Save draft' }).click();
  await shows(admin.locator('#plan-price-error'), 'needs a price above 0');
  expect(await admin.getByLabel('Key', { exact: true }).inputValue()).toBe(key);

  await admin.getByLabel('Price', { exact: true }).fill('19.50');
  await admin.getByRole('button', { name: 'Save draft' }).click();
  await shows(admin.getByRole('status'), `Draft saved as version 1 of ${key}.`);
  await shows(admin.getByText(`Publishing puts version 1 of ${key} on sale now at $19.50 / month`));

  await admin.getByRole('button', { name: 'Publish version 1' }).click();
  await shows(admin.getByRole('status'), `Version 1 of ${key} is on sale now.`);
  await admin.getByRole('link', { name: 'See the pricing page' }).click();
  await admin.waitForURL(`${web.url}/pricing`);
  const card = admin.getByRole('region', { name: 'Atelier' });
  await shows(card, '$19.50');
  await shows(card, 'API access');
  expect(pageErrors).toEqual([]);
});

it('an admin creates a credit package, corrects a refused currency, and creates a meter', async () => {
  await admin.goto(`${web.url}/admin/catalog`);
  await admin.getByRole('link', { name: 'Manage credit packages' }).click();
  await admin.waitForURL(`${web.url}/admin/catalog/credit-packages`);
  const key = unique('credits_750').replace(/-/g, '_');
  await admin.getByLabel('Key', { exact: true }).fill(key);
  await admin.getByLabel('Name', { exact: true }).fill('750 credits');
  await admin.getByLabel('Credits', { exact: true }).fill('750');
  await admin.getByLabel('Price', { exact: true }).fill('12.50');
  await admin.getByLabel('Currency', { exact: true }).fill('XYZ');
  await admin.getByRole('button', { name: 'Create package' }).click();
  await shows(admin.locator('#package-currency-error'), 'Is not an ISO 4217 currency code');
  expect(await admin.getByLabel('Key', { exact: true }).inputValue()).toBe(key);

  await admin.getByLabel('Currency', { exact: true }).fill('USD');
  await admin.getByRole('button', { name: 'Create package' }).click();
  await shows(admin.getByRole('status'), `Credit package ${key} created`);
  await shows(admin.getByRole('table', { name: 'Credit packages' }), '$12.50');

  await admin.goto(`${web.url}/admin/catalog/meters`);
  const meterKey = unique('renders').replace(/-/g, '_');
  await admin.getByLabel('Key', { exact: true }).fill(meterKey);
  await admin.getByLabel('Name', { exact: true }).fill('Renders');
  await admin.getByLabel('Adds up as', { exact: true }).selectOption('COUNT');
  await admin.getByRole('button', { name: 'Create meter' }).click();
  await shows(admin.getByRole('status'), `Meter ${meterKey} created`);
  await admin.getByRole('link', { name: `Edit ${meterKey}` }).click();
  await shows(admin.getByRole('heading', { name: `Edit ${meterKey}` }));
  expect(await admin.getByLabel('Adds up as', { exact: true }).isDisabled()).toBe(true);
  expect(pageErrors).toEqual([]);
});
