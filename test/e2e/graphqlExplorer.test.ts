import type { Browser } from 'playwright-core';
import { createMember, createPartnerKey, sessionCookieFor } from '../factories';
import { useWebApp } from '../web/support/webApp';
import { collectPageErrors, DESKTOP, launchBrowser, shows } from './support/browser';

/**
 * The explorer at /graphiql as a developer uses it, offline: every request to another origin is refused,
 * and operations still run, as the signed-in user and then as a pasted API key, with the schema's
 * documentation beside them.
 */
// The built app outside production, as the other browser tests use it: the explorer is served.
const web = useWebApp({ source: 'build' });
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

it('runs operations as the signed-in user and as a pasted key, and documents the schema, offline', async () => {
  const { user, account } = await createMember({ role: 'owner' });
  const { secret } = await createPartnerKey({ scopes: ['accounts:read'], accountId: account.id });
  const context = await browser.newContext({ viewport: DESKTOP });
  const [name, value] = (await sessionCookieFor(user)).split('=') as [string, string];
  await context.addCookies([{ name, value, url: web.url }]);
  const elsewhere: string[] = [];
  await context.route('**/*', async (route) => {
    if (new URL(route.request().url()).origin === web.url) return route.continue();
    elsewhere.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  const errors = await collectPageErrors(page, () => web.url);

  expect((await page.goto(`${web.url}/graphiql`))?.status()).toBe(200);
  const run = page.getByRole('button', { name: 'Run', exact: true });
  await run.waitFor({ timeout: 30_000 });
  const result = page.getByTestId('explorer-result');

  // The example operation, as the session's user.
  await run.click();
  await shows(result, `"email": "${user.email}"`);
  await shows(page.getByRole('heading', { name: 'Result (HTTP 200)' }));

  // Variables that are not JSON are refused before anything is sent.
  await page.getByLabel('Variables (JSON)').fill('{ id: ');
  await run.click();
  await shows(result, 'Variables are not valid JSON');

  // As the key: the session is left out, so there is no viewer, and the key reads its account.
  await page
    .getByLabel('Operation')
    .fill('query ($id: ID) { viewer { isPlatformAdmin } account(id: $id) { name } }');
  await page.getByLabel('Variables (JSON)').fill(JSON.stringify({ id: account.id }));
  await page.getByLabel('API key').fill(secret);
  await shows(page.getByText('Operations run as the API key given below.'));
  await page.getByLabel('Operation').press('Control+Enter');
  await shows(result, `"name": "${account.name}"`);
  await shows(result, '"viewer": null');

  // A key that does not exist is the API's 401, shown as it came.
  await page.getByLabel('API key').fill('bsk_nope_nope');
  await run.click();
  await shows(page.getByRole('heading', { name: 'Result (HTTP 401)' }));

  // The documentation: Query first, every type a click away.
  const docs = page.locator('.schema-docs-type');
  await shows(docs.getByRole('heading', { name: /^Query/ }));
  await shows(docs, 'previewPlanChange');
  await page.getByLabel('Find a type').fill('Mutation');
  await page
    .getByRole('navigation', { name: 'Types' })
    .getByRole('button', { name: 'Mutation', exact: true })
    .click();
  await shows(docs, 'upsertAccount');
  await docs.getByRole('button', { name: 'UpsertAccountInput', exact: true }).first().click();
  await shows(docs.getByRole('heading', { name: /^UpsertAccountInput/ }));
  await shows(docs, 'externalId');
  await docs.getByRole('button', { name: '← Mutation' }).click();
  await shows(docs.getByRole('heading', { name: /^Mutation/ }));

  expect(elsewhere).toEqual([]);
  // Chromium logs the refused key's 401 like any failed request; nothing else may show.
  expect(errors).toEqual([expect.stringContaining('status of 401 (Unauthorized)')]);
  await context.close();
}, 120_000);
