import type { Browser, Page } from 'playwright-core';
import { createUser, TEST_PASSWORD } from '../factories';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';
import { useWebApp } from '../web/support/webApp';
import { collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * A platform admin sets up a partner webhook in a real browser against the built app: adds the endpoint,
 * copies its secret, sends a test event that a receiver verifies with it, finds the delivery in the log,
 * and rotates the secret, after which deliveries are signed with both secrets.
 */
const web = useWebApp({ source: 'build' });
let browser: Browser;
let admin: Page;
let pageErrors: string[];
let receiver: WebhookReceiver;

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  pageErrors = await collectPageErrors(admin, () => web.url);
  receiver = await startWebhookReceiver();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
});

it('an admin adds an endpoint, sends a test event, sees its delivery and rotates the secret', async () => {
  const user = await createUser({ isPlatformAdmin: true });
  await admin.goto(`${web.url}/signin`);
  await admin.getByLabel('Email').fill(user.email);
  await admin.getByLabel('Password').fill(TEST_PASSWORD);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.waitForURL(`${web.url}/admin`);

  await admin.getByRole('link', { name: 'Partner webhooks' }).click();
  await admin.getByLabel('URL', { exact: true }).fill(receiver.url);
  await admin.getByLabel('Description').fill('Partner CRM');
  await admin.getByLabel('invoice.paid').check();
  await admin.getByRole('button', { name: 'Add endpoint' }).click();
  await shows(admin.getByRole('status'), 'it is shown only this once');
  const secret = await admin.getByLabel('Signing secret').inputValue();
  expect(secret).toMatch(/^whsec_/);
  receiver.secrets.push(secret);

  await admin.getByRole('link', { name: 'Open it' }).click();
  await shows(admin.getByRole('heading', { name: 'Webhook endpoint' }));
  await admin.getByRole('button', { name: 'Send test event' }).click();
  await shows(admin.getByRole('status'), /The test event was delivered: HTTP 200/);
  const tested = await receiver.waitFor((delivery) => delivery.event.type === 'webhook.test');
  expect(tested.verifiedWith).toEqual([0]);
  const log = admin.getByRole('table', { name: 'Deliveries, newest first' });
  await shows(log, tested.id);
  await shows(log, 'Succeeded');

  await admin.getByRole('button', { name: 'Rotate secret' }).click();
  await shows(admin.getByRole('status'), 'The previous one keeps signing');
  const rotated = await admin.getByLabel('Signing secret').inputValue();
  expect(rotated).not.toBe(secret);
  receiver.secrets.push(rotated);
  await admin.getByRole('button', { name: 'Send test event' }).click();
  await shows(admin.getByRole('status'), /The test event was delivered/);
  const signedByBoth = await receiver.waitFor(
    (delivery) => delivery.event.type === 'webhook.test' && delivery.id !== tested.id,
  );
  expect(signedByBoth.verifiedWith).toEqual([0, 1]);
  expect(pageErrors).toEqual([]);
});
