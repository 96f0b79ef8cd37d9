import type { Browser, Page } from 'playwright-core';
import { createUser } from '../factories';
import { useWebApp } from '../web/support/webApp';
import { capture, collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * A developer without a mail server, in a real browser: asks for a password reset, finds the email in
 * the mail viewer (/dev/mail), reads it as HTML, follows its link and chooses a new password.
 */
const web = useWebApp({ source: 'build', devMailbox: true });
let browser: Browser;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  pageErrors = await collectPageErrors(page, () => web.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

it('follows a password reset from the mail viewer', async () => {
  const user = await createUser();
  await page.goto(`${web.url}/reset-password`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await shows(page.getByText(`If ${user.email} has a login here`));

  // The outbox is sent a moment later, as the job would.
  await page.goto(`${web.url}/dev/mail`);
  for (
    let attempt = 0;
    attempt < 40 && !(await page.getByText('Reset your password').count());
    attempt += 1
  ) {
    await page.waitForTimeout(250);
    await page.reload();
  }
  await shows(page.getByRole('heading', { name: 'Reset your password' }));
  await shows(page.getByText(`to ${user.email}`).first());
  await capture(page, 'dev-mail-viewer');

  const [html] = await Promise.all([
    page.context().waitForEvent('page'),
    page.getByRole('link', { name: 'Open as HTML' }).click(),
  ]);
  await html.waitForLoadState();
  await shows(html.getByRole('link', { name: 'Choose a new password' }));
  await capture(html, 'email-password-reset');
  await html.close();

  await page.getByRole('link', { name: /\/reset-password\?token=/ }).click();
  await page.waitForURL(/\/reset-password\?token=/);
  await page.getByLabel('New password', { exact: true }).fill('chosen in the mail viewer');
  await page.getByLabel('Repeat the new password').fill('chosen in the mail viewer');
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(`${web.url}/signin?reset=1`);
  expect(pageErrors).toEqual([]);
}, 120_000);
