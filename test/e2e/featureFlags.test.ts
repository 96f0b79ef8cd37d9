import type { Browser, Page } from 'playwright-core';
import { createAccount, addMember, createUser, TEST_PASSWORD, unique } from '../factories';
import { useWebApp } from '../web/support/webApp';
import { capture, collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * A platform admin turns self-serve billing off in a real browser against the built app: customers'
 * pricing, billing and credits pages then offer "Contact sales" instead of buttons; an override turns
 * it back on for one account only.
 */
const web = useWebApp({ source: 'build' });
let browser: Browser;
/** Every error each page logged or threw, for the test to fail on. */
const pageErrors: string[][] = [];

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function signIn({
  isPlatformAdmin = false,
  accountName,
}: {
  isPlatformAdmin?: boolean;
  accountName?: string;
}) {
  const user = await createUser({ isPlatformAdmin });
  if (accountName)
    await addMember({ accountId: (await createAccount({ name: accountName })).id, user, role: 'owner' });
  const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  pageErrors.push(await collectPageErrors(page, () => web.url));
  await page.goto(`${web.url}/signin`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
  return page;
}

/** Whether the page offers any button that buys a plan or credits. */
async function selfServeButtons(page: Page) {
  return {
    plans: await page.locator('input[name="planId"]').count(),
    credits: await page.getByRole('button', { name: /^Buy for/ }).count(),
  };
}

it('turns self-serve billing off for customers, and back on for one account through an override', async () => {
  const admin = await signIn({ isPlatformAdmin: true });
  const acmeName = `Acme ${unique('co')}`;
  const acme = await signIn({ accountName: acmeName });
  const globex = await signIn({ accountName: `Globex ${unique('co')}` });

  await acme.goto(`${web.url}/pricing`);
  expect((await selfServeButtons(acme)).plans).toBeGreaterThan(0);

  await admin.goto(`${web.url}/admin/flags`);
  await admin.getByRole('button', { name: 'Turn off self_serve_billing' }).click();
  await shows(admin.getByRole('status'), 'self_serve_billing is now off.');

  for (const customer of [acme, globex]) {
    await customer.goto(`${web.url}/pricing`);
    await shows(customer.getByRole('status'), 'Self-serve billing is turned off for this account');
    expect((await selfServeButtons(customer)).plans).toBe(0);
    await shows(customer.getByRole('link', { name: /^Contact sales about/ }).first());
  }
  await capture(acme, 'flags-01-pricing-contact-sales');
  await acme.goto(`${web.url}/billing`);
  await shows(
    acme.getByText('Self-serve billing is turned off for this account; contact sales to change your plan.'),
  );
  expect(await acme.getByRole('link', { name: 'Upgrade' }).count()).toBe(0);
  await acme.goto(`${web.url}/billing/credits`);
  await shows(acme.getByText('contact sales to buy credits.'));
  expect((await selfServeButtons(acme)).credits).toBe(0);
  await capture(acme, 'flags-02-credits-contact-sales');

  await admin.getByRole('link', { name: 'Edit self_serve_billing' }).click();
  await admin.getByRole('textbox', { name: 'Find an account' }).fill(acmeName);
  await admin.getByRole('button', { name: 'Search' }).click();
  await admin.getByRole('button', { name: `Turn on for ${acmeName}` }).click();
  await shows(admin.getByRole('status'), 'The account’s override is saved.');
  await shows(admin.getByRole('link', { name: acmeName }));
  await capture(admin, 'flags-03-admin-override');

  await acme.goto(`${web.url}/pricing`);
  expect((await selfServeButtons(acme)).plans).toBeGreaterThan(0);
  expect(await acme.getByText('Self-serve billing is turned off').count()).toBe(0);
  await acme.goto(`${web.url}/billing/credits`);
  expect((await selfServeButtons(acme)).credits).toBeGreaterThan(0);

  await globex.goto(`${web.url}/pricing`);
  expect((await selfServeButtons(globex)).plans).toBe(0);
  await globex.goto(`${web.url}/billing/credits`);
  expect((await selfServeButtons(globex)).credits).toBe(0);
  expect(pageErrors.flat()).toEqual([]);
});
